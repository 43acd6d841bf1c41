"""Learning: unlocks, lessons, quizzes, milestones and certificates, in the rules and the chat."""
