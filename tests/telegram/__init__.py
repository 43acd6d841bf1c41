"""Chat behaviour through `Dispatcher.feed_update` with a recording Bot API session."""
