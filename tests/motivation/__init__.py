"""Motivation: awards, levels, achievements, streaks, leaderboards and leagues."""
