"""Presentation across domains: i18n, texts against TDLib, transactions, FSM memory."""
