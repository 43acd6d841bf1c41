"""The placement check: a learner who already knows a course's first modules skips them."""
