"""Real `learnbot` processes and HTTP: the Bot API stand-in, webhook, scheduler, outages."""
