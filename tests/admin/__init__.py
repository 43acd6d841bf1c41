"""Admin: the overview and funnel, the admin chat and its tools."""
