"""Service settings: typed, validated, read once from ``KEFUGUARD_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.db.engine import DEFAULT_DATABASE_URL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFUGUARD_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    data_dir: Path = Path("var")  # audit uploads and results
    model_dir: Path | None = None  # default: the shipped models/
    number_model_dir: Path | None = None  # default: the shipped models/numbers
    #: Scoring endpoints without a key (reports, registry and audits always need one).
    open_scoring: bool = False
    #: Keys from the environment, ``key:scope+scope,key2:scope`` (keys made with
    #: ``kefuguard keys create`` live hashed in the database instead).
    api_keys: SecretStr | None = None
    reporter_salt: SecretStr | None = None

    max_text_chars: int = Field(5_000, ge=1, le=20_000)
    max_batch: int = Field(1_000, ge=1, le=10_000)
    max_turns: int = Field(200, ge=1, le=1_000)
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(50 * 1024 * 1024, ge=1024)
    rate_limit_per_minute: int = Field(1_200, ge=0)  # per key and worker; 0 = off
    rate_limit_burst: int = Field(200, ge=1)
    #: Chat messages that reach a worker together are scored in one call, up to this many
    #: (1 turns dynamic batching off; see api/batching.py).
    score_batch_max: int = Field(64, ge=1, le=1_000)
    log_level: str = "INFO"
    run_audits: bool = True  # this worker runs queued audits in a background thread


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
