"""Storage layer: settings, engine and sessions, models, upserts and migrations (the bottom layer)."""
