"""Scheduled jobs, the sender and broadcasts, with an injected clock."""
