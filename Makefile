# The one command a newcomer needs: `make test` installs everything from the lock
# file (uv.lock) into .venv and runs the whole suite on SQLite and MariaDB/MySQL.
UV_VERSION ?= 0.13.9
export UV_PYTHON_DOWNLOADS := never

.PHONY: test install lint

install:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	uv sync --frozen

test: install
	uv run --frozen pytest

lint: install
	uv run --frozen ruff check .
	uv run --frozen ruff format --check .
	uv run --frozen mypy bot db scheduler
