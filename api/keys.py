"""API keys: made once, shown once, stored as SHA-256, compared in constant time.

A key looks like ``kg_<prefix>_<secret>``; the prefix finds the row, the hash of the whole key
is compared with :func:`hmac.compare_digest`. Keys are 256-bit random, so a plain SHA-256 is
the right hash (a slow password hash would only slow every request down).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import sessionmaker

from api.db.models import ApiKeyRow
from detector.errors import InvalidInputError

SCOPES = ("score", "report", "audit", "admin")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a key's public id and its scopes (``admin`` implies every scope)."""

    key_id: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _prefix(key: str) -> str | None:
    parts = key.split("_", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "kg" and len(parts[1]) == 8 else None


def check_scopes(scopes: list[str] | tuple[str, ...]) -> frozenset[str]:
    bad = sorted(set(scopes) - set(SCOPES))
    if bad or not scopes:
        raise InvalidInputError(f"scopes must be among {', '.join(SCOPES)}; got {scopes}")
    return frozenset(scopes)


def parse_env_keys(value: str) -> dict[str, Principal]:
    """``key:scope+scope,key2:scope`` → {sha256(key): Principal}."""
    out: dict[str, Principal] = {}
    for i, item in enumerate(filter(None, (p.strip() for p in value.split(",")))):
        key, _, scopes = item.partition(":")
        if len(key) < 24:
            raise InvalidInputError(f"KEFUGUARD_API_KEYS entry {i + 1}: keys need ≥ 24 characters")
        out[_hash(key)] = Principal(f"env-{i + 1}", check_scopes(scopes.split("+")))
    return out


class KeyStore:
    def __init__(self, engine: Engine, env_keys: str | None = None):
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._env = parse_env_keys(env_keys) if env_keys else {}

    def create(self, name: str, scopes: list[str]) -> tuple[str, dict]:
        """A new key; the plain key is returned once and never stored."""
        allowed = check_scopes(scopes)
        prefix = secrets.token_hex(4)
        key = f"kg_{prefix}_{secrets.token_urlsafe(32)}"
        row = ApiKeyRow(
            name=name[:100],
            prefix=prefix,
            key_hash=_hash(key),
            scopes=" ".join(sorted(allowed)),
            created_at=datetime.now(UTC),
        )
        with self._sessions.begin() as s:
            s.add(row)
        return key, self._public(row)

    def list(self) -> list[dict]:
        with self._sessions() as s:
            return [self._public(r) for r in s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]

    def revoke(self, prefix: str) -> bool:
        with self._sessions.begin() as s:
            result = s.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.prefix == prefix, ApiKeyRow.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
            return result.rowcount > 0

    def verify(self, key: str) -> Principal | None:
        digest = _hash(key)
        for known, principal in self._env.items():
            if hmac.compare_digest(known, digest):
                return principal
        prefix = _prefix(key)
        if prefix is None:
            return None
        with self._sessions() as s:
            row = s.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix))
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.key_hash, digest):
            return None
        return Principal(f"kg_{row.prefix}", frozenset(row.scopes.split()))

    @staticmethod
    def _public(row: ApiKeyRow) -> dict:
        return {
            "id": f"kg_{row.prefix}",
            "name": row.name,
            "scopes": row.scopes.split(),
            "created_at": row.created_at.isoformat(),
            "revoked": row.revoked_at is not None,
        }
