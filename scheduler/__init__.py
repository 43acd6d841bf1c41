"""Scheduled jobs and the one rate-limited sender for every outgoing push."""
