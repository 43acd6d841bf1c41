"""The dashboard (a Telegram Mini App): what each person may see, and the data of each view.

- init_data: checking the Mini App's `initData` as Telegram documents it (no aiogram);
- access: who is asking (learner, mentor of some cohorts, admin) and what they may see;
- learner: a learner's own courses, activity calendar, mastery, certificates and boards;
- mentor: a mentor's cohorts, their members, a member, the funnel, submissions waiting;
- school: the admin's whole-school charts, read from the daily aggregates (`daily`).

Every function returns plain dataclasses; the web app (bot/webapp) renders them as HTML
or JSON. Each view's data is read in at most three statements after the viewer's own.
"""
