# syntax=docker/dockerfile:1
# Build stage: the locked dependencies and the project in /app/.venv.
FROM python:3.11-slim AS build
ENV UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY bot ./bot
COPY db ./db
COPY scheduler ./scheduler
RUN uv sync --frozen --no-dev

# Run stage: the virtual environment, the code, migrations and the bundled course,
# as a non-root user.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 learnbot
WORKDIR /app
COPY --from=build /app /app
COPY alembic.ini ./
COPY migrations ./migrations
COPY content ./content
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 LOG_FORMAT=json
USER learnbot
# The database (and Redis, when configured) must answer: the same check in every mode.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["learnbot", "health"]
EXPOSE 8080
CMD ["learnbot", "run"]
