"""The scheduler: the jobs and the one sender, with an injected clock."""
