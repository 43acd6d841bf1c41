"""Review: spaced-repetition cards (FSRS), review sessions, and their statistics."""
