"""Content: reading, validating and importing a course."""
