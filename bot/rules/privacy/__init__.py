"""Privacy: erasing a learner, and exporting what we hold (one learner's JSON, the admins'
CSV)."""
