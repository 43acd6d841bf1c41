"""Learning: unlocks and what comes next, opening lessons, quizzes, milestones and
certificates, progress."""
