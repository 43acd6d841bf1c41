"""LearnBot: the Telegram side (routers, filters, keyboards, texts, middlewares) and services."""
