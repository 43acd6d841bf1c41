"""Review: cards, sessions, their pushes and the /review chat."""
