"""Recurring issues: clustering, topic descriptions, hot list, complainants, early warnings."""
