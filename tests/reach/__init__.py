"""Reach: who may receive a push, reminders, broadcasts."""
