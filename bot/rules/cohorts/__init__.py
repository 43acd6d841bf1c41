"""Cohorts: classes of learners with their invite link, their mentors, their board and
their group chat.

- membership: creating cohorts, invite codes, joining and leaving, mentors, who may see
  what (every mentor view asks `mentored_cohort` first), and `reviewers_of`;
- roster: what a mentor sees of their cohort (members, a member, the funnel);
- boards: the cohort's boards, its linked group chat and the weekly post there.
"""
