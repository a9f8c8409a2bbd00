"""Schema migrations with Alembic: one history for SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from .database import is_postgres_url, sqlite_path

_HERE = Path(__file__).parent / "migrations"


def sqlalchemy_url(url: str) -> str:
    if is_postgres_url(url):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    return "sqlite:///" + sqlite_path(url)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
