# syntax=docker/dockerfile:1
# Build stage: the locked dependencies, then the project itself installed as a wheel
# (not editable), so the image runs from site-packages like any installed package:
# migrations, the Alembic configuration and the bundled course travel inside it.
FROM python:3.11-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/
ENV UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
COPY alembic.ini ./
COPY migrations ./migrations
COPY content ./content
COPY bot ./bot
COPY db ./db
COPY scheduler ./scheduler
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable

# Run stage: only the virtual environment, as a non-root user.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 learnbot
WORKDIR /home/learnbot
COPY --from=build /app/.venv /app/.venv
# `alembic upgrade head` and `learnbot content import` work from any directory:
# the configuration and the course are package data of the installed wheel.
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 LOG_FORMAT=json \
    ALEMBIC_CONFIG=/app/.venv/lib/python3.11/site-packages/db/alembic.ini
USER learnbot
# The database (and Redis, when configured) must answer: the same check in every mode.
# `learnbot health` imports no aiogram and answers in well under a second.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["learnbot", "health"]
EXPOSE 8080
CMD ["learnbot", "run"]
