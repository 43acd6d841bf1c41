"""One router per feature, included in one place (`bot.app.build_dispatcher`)."""
