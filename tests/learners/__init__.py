"""Learners: onboarding and /settings."""
