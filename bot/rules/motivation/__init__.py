"""Motivation: points and levels, achievements, the one award path, streaks, leaderboards,
leagues."""
