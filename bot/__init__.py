"""LearnBot. Importing this package has no side effects and imports no aiogram.

- `bot.entry`: the composition root (CLI, polling, webhook, scheduler-only, demo, settings).
- `bot.telegram`: Telegram presentation (handlers, views, middlewares, callbacks).
- `bot.rules`: the learning rules, Telegram-free; they take a session and `now`, return data.
- `bot.observability`: logs and Prometheus metrics.
"""
