"""Database engine: a SQLite file under ./var by default, PostgreSQL by URL; migrations.

``KEFUGUARD_DATABASE_URL`` selects the database (e.g. ``postgresql+psycopg://…``). The default
is ``sqlite:///./var/kefuguard.db``, created on first use with WAL journaling, so nothing needs
to be installed or started for a first run. :func:`open_database` always brings the schema to
the newest Alembic revision before handing the engine out.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from detector.errors import ConfigError

DATABASE_URL_ENV = "KEFUGUARD_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///./var/kefuguard.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - exercised via SQLite
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(url: str = DEFAULT_DATABASE_URL) -> Engine:
    """An engine for ``url`` (``api.settings`` reads it from KEFUGUARD_DATABASE_URL); SQLite
    files get WAL mode."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:  # it quotes the URL (and its password): not repeated
        kind = type(exc).__name__
        raise ConfigError(f"{DATABASE_URL_ENV} is not a database URL ({kind})") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:  # unknown dialect or driver not installed
        raise ConfigError(
            f"cannot use the {parsed.get_backend_name()!r} database: {type(exc).__name__}",
            backend=parsed.get_backend_name(),
        ) from None


def _alembic(engine: Engine, step, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        step(cfg, revision)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (idempotent)."""
    _alembic(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Undo migrations down to ``revision`` (``base``: drop every table)."""
    _alembic(engine, command.downgrade, revision)


def open_database(url: str = DEFAULT_DATABASE_URL) -> Engine:
    """An engine with the schema at the newest revision."""
    engine = make_engine(url)
    migrate(engine)
    return engine


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
