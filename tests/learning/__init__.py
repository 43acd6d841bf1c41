"""The learning rules against a real database: unlocks, quizzes, rewards, content, boards."""
