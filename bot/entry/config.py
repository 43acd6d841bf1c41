"""Configuration from the environment and an optional `.env` file."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.rules.dashboard.init_data import MAX_AGE
from db.engine import SUPPORTED_DRIVERS
from scheduler.names import REBUILD_AT

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///learnbot.db"
# What @BotFather hands out: the bot's numeric id, a colon, then the secret part.
TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")
REDIS_SCHEMES = ("redis", "rediss", "unix")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    telegram_api_base: str | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    redis_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    metrics_host: str = "0.0.0.0"
    metrics_port: int = Field(default=9464, ge=1, le=65535)
    send_rate: float = Field(default=25.0, gt=0, le=1000)
    send_concurrency: int = Field(default=8, ge=1, le=256)
    paid_broadcast: bool = False
    scheduler_lease_seconds: float = Field(default=10.0, gt=0)
    # When the leaderboard's nightly full rebuild runs (UTC, e.g. 04:00): a quiet hour.
    leaderboard_rebuild_at: time = REBUILD_AT
    # The dashboard (a Telegram Mini App): its public HTTPS address sets the bot's menu
    # button; `learnbot run` serves it on WEBAPP_HOST:WEBAPP_PORT, the webhook beside itself.
    webapp_url: str | None = None
    webapp_host: str = "0.0.0.0"
    webapp_port: int = Field(default=8081, ge=1, le=65535)
    webapp_auth_max_age: int = Field(default=int(MAX_AGE.total_seconds()), ge=60)  # seconds
    log_format: Literal["auto", "json", "text"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            wrong = [part for part in parts if not part.isdigit()]
            if wrong:
                raise ValueError(
                    f"{wrong[0]!r} is not a Telegram user id; use numeric ids separated by "
                    "commas, e.g. 123456789,987654321 (the README says how to find yours)"
                )
            return frozenset(int(part) for part in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("webapp_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme != "https":
            raise ValueError("Telegram opens Mini Apps over HTTPS only: https://example.org/app/")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {value!r}") from exc
        if url.drivername not in SUPPORTED_DRIVERS:
            raise ValueError(
                f"unknown driver {url.drivername!r}; use mysql+aiomysql://user:pw@host:3306/db "
                "or sqlite+aiosqlite:///learnbot.db"
            )
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError(
                "not a bot token; it looks like 123456789:AAH…, as @BotFather gives it"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in REDIS_SCHEMES:
            scheme = urlsplit(value).scheme or "none"
            raise ValueError(f"not a Redis URL (scheme {scheme!r}); use redis://host:6379/0")
        return value

    @field_validator(
        "bot_token",
        "webhook_secret",
        "telegram_api_base",
        "redis_url",
        "webhook_url",
        "webapp_url",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation error into one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise ConfigError("; ".join(problems)) from None
