# `make run`: the bot when BOT_TOKEN is set, the terminal demo otherwise; it installs only
# what running needs. `make test`: installs everything from the lock file (uv.lock), the
# dev tools too, into .venv and runs the whole suite on SQLite and MariaDB/MySQL; `make test-fast`
# is the inner loop (SQLite, no process tests).
UV_VERSION ?= 0.13.9
export UV_PYTHON_DOWNLOADS := never
# Compiled at install: this machine kind sets PYTHONDONTWRITEBYTECODE, so without it every new
# process (the process tests start many) recompiles each import, aiogram included.
export UV_COMPILE_BYTECODE := 1

.PHONY: run test test-fast install uv lint messages compile

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"

install: uv
	uv sync --frozen

# --no-dev: the runtime dependencies only; an existing .venv keeps its dev tools.
run: uv
	uv run --frozen --no-dev learnbot

test: install
	uv run --frozen pytest

# The inner loop: SQLite only, no test that starts a process. `make test` stays the whole truth.
test-fast: install
	uv run --frozen pytest -q -m "not process" -k "not mysql"

lint: install
	uv run --frozen ruff check .
	uv run --frozen ruff format --check .
	uv run --frozen mypy bot db scheduler
	uv run --frozen lint-imports

# Translations: after changing texts, `make messages`, translate the .po files, `make compile`.
messages:
	uv run --frozen pybabel extract -F babel.cfg -o bot/telegram/locales/messages.pot -k _ -k ngettext:1,2 -k gettext \
		--no-location --sort-output --omit-header bot
	uv run --frozen pybabel update -i bot/telegram/locales/messages.pot -d bot/telegram/locales -D messages \
		--no-fuzzy-matching --ignore-obsolete

compile:
	uv run --frozen pybabel compile -d bot/telegram/locales -D messages --statistics
