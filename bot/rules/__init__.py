"""Learning rules. Plain async functions over a session and a clock; no Telegram here."""
