"""Formats: Telegram-HTML checks and splitting."""
