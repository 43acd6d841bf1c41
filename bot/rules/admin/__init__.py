"""Admin: the overview and funnel, finding and managing learners, publishing content."""
