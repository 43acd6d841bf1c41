"""Database access: engine, sessions, models and queries."""
