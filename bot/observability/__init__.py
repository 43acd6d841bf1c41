"""Logs and metrics, shared by every mode. No aiogram here."""
