"""The working-day calendar, the reply-deadline rules and the deadline steps."""
