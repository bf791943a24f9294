"""Source health: freshness, coverage and crawl problems, in one implementation."""
