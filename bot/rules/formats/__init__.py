"""Rendering that is not Telegram: Telegram-HTML checks and splitting, the certificate image."""
