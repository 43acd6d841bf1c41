"""Entry points: the only place that assembles the bot, the database and the scheduler."""
