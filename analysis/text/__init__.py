"""Text normalisation, tokenising, features and near-duplicates: per-message work."""
