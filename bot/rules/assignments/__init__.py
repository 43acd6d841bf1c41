"""Assignments: open answers to a lesson's fields, kept as drafts, submitted as versions,
accepted or returned by a person (or by the learner's own submit), and the field outputs
that later lessons quote and unlock on."""
