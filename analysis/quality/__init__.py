"""Reply quality: whether a reply answers the letter."""
