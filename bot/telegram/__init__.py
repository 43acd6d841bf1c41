"""Telegram presentation: handlers parse an update, call a rule and render its answer."""
