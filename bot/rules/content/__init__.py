"""The course importer: read a course directory, validate it, and bring the database in line.

No Telegram here: the CLI (``learnbot content import PATH [--dry-run]``) calls
:func:`load_courses` (one course folder, or a folder of course folders) and the admin upload
:func:`load_course` (one course), then :func:`plan_import` (to show what would change) and
:func:`apply_import` (in the caller's transaction; the caller commits). Both check the
courses against the database first (:func:`check_import`) and write nothing when it refuses.

Course format
=============

::

    COURSE_DIR/
      course.yaml              the course's keys (below)
      01-some-module/          a module: directories are ordered by their number prefix "NN-"
        module.yaml            the module's settings (below)
        01-some-lesson.md      a lesson: files are ordered by their number prefix "NN-"
        02-another-lesson.md

Only the number in a name orders things (``2-x`` comes before ``10-y``); the rest of the name is
free and is not the slug. Two modules (or two lessons of a module) with the same number are an
error, because their order would be a guess. Hidden entries (``.git``, ``.DS_Store``), names
starting with ``_`` (``_drafts/``) and ``README*`` / ``LICENSE*`` files are ignored; any other
stray ``.md``/``.yaml`` file, a lesson file without a number, or a sub-directory inside a module
is an error (it is probably a typo). Other files (pictures, notes) are ignored. Files must be
UTF-8 (Windows line endings and a byte-order mark are fine).

``course.yaml`` keys:

============  ========  ===============================================================
key           required  meaning
============  ========  ===============================================================
slug          yes       stable identity of the course (see *Slugs*); a new slug over an
                        existing course's lessons is a rename, refused while learners
                        follow that course unless confirmed (``--rename-from OLD``)
title         yes       one line, at most 200 characters
description   no        plain text, shown on the course's card
language      no        the language it is written in: ``en``, ``pt-BR``
requires      no        slugs of courses to complete first (in the import or the
                        database); a cycle is an error that names it
published     no        ``true`` (default) or ``false``: the whole course
============  ========  ===============================================================

A folder of courses holds course folders (each with a ``course.yaml``); two with one slug are
an error. Problems are then named from that folder (``git-essentials/course.yaml:1: …``).

``module.yaml`` keys:

=====================  ========  =========================================================
key                    required  meaning
=====================  ========  =========================================================
slug                   yes       stable identity of the module (see *Slugs*)
title                  yes       one line, at most 200 characters
description            no        plain text
days_between_lessons   no        drip: a learner unlocks at most one new lesson of this
                                 module every N local days (whole number >= 1)
published              no        ``true`` (default) or ``false``
requires               no        slugs of modules of this course that must be done first
                                 (``[]``: none); without it, the module before. A cycle
                                 is an error that names it
=====================  ========  =========================================================

A lesson file is YAML front matter between two ``---`` lines, then the lesson body::

    ---
    slug: merging
    title: "Merging: fast-forward and three-way"
    minutes: 4
    questions:
      - id: ff-when
        question: When can Git do a fast-forward merge?
        options:
          - When your branch has no new commits
          - When both branches have new commits
        correct: 1
        explanation: Then Git only has to move the branch pointer.
    ---
    When work on a branch is done, you bring it back with <code>git merge</code>.

Front matter keys:

==========  ========  =================================================================
key         required  meaning
==========  ========  =================================================================
slug        yes       stable identity of the lesson, unique across the whole course
title       yes       one line, at most 200 characters
minutes     no        estimated reading time, whole number >= 1
points      no        points for completing it, whole number >= 0 (default 50)
pass_mark   no        percentage of right answers needed to pass, 1-100 (default 60)
published   no        ``true`` (default) or ``false``
image       no        a picture sent before the text: an http(s) URL or a Telegram file_id
                      (at most 512 characters, no spaces)
questions   yes       the quiz: a list of 1 to 10 questions (optional with an assignment)
assignment  no        open answers a person reads (below), asked after the text and
                      before the quiz
requires_   no        ``requires_fields: [woop.wish]``: the lesson opens once the learner
fields                has submitted those fields (each asked by an earlier lesson)
==========  ========  =================================================================

An *assignment*::

    assignment:
      review: mentor              # mentor (a person accepts it) or self (submitting does)
      fields:
        - id: woop.wish           # area.name: lowercase letters, digits, _; unique in the course
          prompt: Your <b>wish</b>, in 3 to 6 words.   # Telegram HTML, at most 1,000 characters
          kind: text              # text | choice | photo | voice | video | document
          min: 3                  # text only: characters, 1-4096 (default 1 and 4096)
          max: 80
        - id: woop.when
          prompt: When does it show up?
          kind: choice
          options: [Morning, Evening]      # choice only: 2-10 options of 1-60 characters
          required: false         # default true; an optional field gets a Skip button

1 to 10 fields. A lesson text may quote a learner's latest submitted answer with
``{{woop.wish}}`` or, with a fallback for a learner who has none, ``{{woop.wish|your wish}}``
(no spaces inside the braces; ``${{ ... }}``, as in a GitHub workflow, is left alone). Every
placeholder and every ``requires_fields`` must name a field of an earlier lesson of the course;
the problem names the file and line.

Question keys (each question becomes a native Telegram quiz poll, so Telegram's limits apply):

===========  ========  ================================================================
key          required  meaning
===========  ========  ================================================================
id           yes       slug of the question, unique within its lesson; keeps learners'
                       answers attached when the question text is edited
question     yes       1-300 characters
options      yes       2-12 different answers, each 1-100 characters
correct      yes       the right option, counted from 1 (``correct: 2``), or a list of
                       them (``correct: [1, 3]``)
explanation  no        shown after answering: at most 200 characters and 2 line breaks
===========  ========  ================================================================

Lengths are counted in characters (Unicode code points). Titles, questions, options and
explanations are plain text (the bot escapes them); text-like values YAML would read as
something else (``Yes``, ``2024``, ``1.10``) are taken exactly as written.

*Slugs* match ``^[a-z0-9][a-z0-9-]{0,63}$``. They are how a re-import recognises a module,
lesson or question, so rename files and edit titles freely but keep slugs. Module slugs are
unique in the course, lesson slugs are unique across every course (deep links name them).

Unknown keys and keys given twice are errors, to catch typos.

The *body* is Telegram HTML (https://core.telegram.org/bots/api#html-style) and must not be
empty. It is checked with the rules of
:func:`bot.rules.formats.telegram_html.validate_telegram_html`. Allowed tags:
``b strong i em u ins s strike del code pre a blockquote tg-spoiler``, ``<a href="...">``
(an ``http``, ``https``, ``tg`` or ``mailto`` link), ``<span class="tg-spoiler">``,
``<blockquote expandable>``,
``<tg-emoji emoji-id="...">`` (numeric id), and ``<code class="language-x">`` directly inside
``<pre>``. Tags must be closed in order; nothing may be nested inside ``<code>``, only
``<code>`` inside ``<pre>``, and links and blockquotes do not nest. ``&`` must start an
entity (``&amp; &lt; &gt; &quot;`` or numeric like ``&#8212;``) and a ``<`` that does not
start an allowed tag must be written ``&lt;``. The text must have something visible (not only
tags). Blank lines around the body are dropped. Long bodies are fine: the bot splits them into
several messages (the limit is 65,535 bytes of UTF-8, what a MySQL TEXT column holds).

Errors
======

:func:`load_course` checks everything and collects every problem before giving up, then raises
:class:`CourseInvalid` with all of them, sorted, each with a file (relative to the course
directory), a 1-based line in that file, and a reason::

    01-first-steps/02-install.md:7: 'correct' is 4, but there are only 3 options

Line 0 means the file or directory as a whole (for example: missing).

Import rules
============

Modules and lessons are matched by slug (a lesson may move to another module), questions by
lesson and ``id``. Text, settings and order (1, 2, 3... from the numbered names) are updated;
modules and lessons absent from the course are unpublished, never deleted, since learners'
progress points at them; questions absent from their lesson are deleted (with the open polls
of that question). Learners' progress is never touched. Re-importing the same course changes
nothing at all.
"""

from bot.rules.content.balance import AnswerSkew, answer_skew
from bot.rules.content.loading import load_course, load_courses
from bot.rules.content.plan import Change, ImportPlan
from bot.rules.content.reconcile import (
    apply_import,
    check_import,
    has_content,
    import_course,
    plan_import,
)
from bot.rules.content.spec import (
    Course,
    CourseInvalid,
    LessonSpec,
    ModuleSpec,
    Problem,
    QuestionSpec,
)

__all__ = [
    "AnswerSkew",
    "Change",
    "Course",
    "CourseInvalid",
    "ImportPlan",
    "LessonSpec",
    "ModuleSpec",
    "Problem",
    "QuestionSpec",
    "answer_skew",
    "apply_import",
    "check_import",
    "has_content",
    "import_course",
    "load_course",
    "load_courses",
    "plan_import",
]
