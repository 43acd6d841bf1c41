"""One router per feature, included in one place (`bot.entry.app.build_dispatcher`)."""
