"""Settings, read once from the environment and validated at start-up.

- `MONGODB_URI`: connection string; unset means the embedded in-process store. A server
  given here is never seeded implicitly.
- `ECEI_DB_NAME` (`ecei`): database name.
- `ECEI_HOST` (`127.0.0.1`), `ECEI_PORT` (`8000`): where `ecei serve` listens.
- `ECEI_ENV` (`development`): `production` turns off GraphiQL, introspection and field
  suggestions.
- `ECEI_MIN_GROUP_SIZE` (`3`): aggregates over fewer clusters are withheld.
- `ECEI_MAX_BODY_BYTES` (`65536`): larger request bodies get 413.
- `ECEI_DB_TIMEOUT_MS` (`5000`): server selection and per-operation timeout: the client's
  `timeoutMS`, from which the driver sets `maxTimeMS` on every command, so the server
  stops an operation the request no longer waits for.
- `ECEI_DB_POOL_SIZE` (`50`): connections per server (`maxPoolSize`).
- `MOTOR_MAX_WORKERS` (CPUs × 5): Motor's threads, read by Motor itself when it is first
  imported; validated here so that a bad value is a clear error. Every operation in flight
  holds one thread, so keep it at least `ECEI_DB_POOL_SIZE`.
- `ECEI_CORS_ORIGINS` (empty: no CORS headers): comma-separated allowlist of origins.
- `ECEI_PUBLISH_RESULTS` (`false`): serve the individual results of real (non-sample)
  interviews. They are confidential: by default only aggregates over at least
  `ECEI_MIN_GROUP_SIZE` clusters are served from them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Settings", "SettingsError"]


class SettingsError(ValueError):
    """An environment variable has a value of the wrong form; the message names both."""


@dataclass(frozen=True)
class Settings:
    mongodb_uri: str | None = None
    db_name: str = "ecei"
    host: str = "127.0.0.1"
    port: int = 8000
    environment: str = "development"
    min_group_size: int = 3
    max_body_bytes: int = 65536
    db_timeout_ms: int = 5000
    db_pool_size: int = 50
    motor_workers: int | None = None  # None: Motor's default
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    publish_results: bool = False

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def embedded(self) -> bool:
        """True when no connection string is set: the in-process mongomock store is used."""
        return self.mongodb_uri is None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        uri = env.get("MONGODB_URI", "").strip() or None
        if uri is not None and not uri.startswith(("mongodb://", "mongodb+srv://")):
            raise SettingsError(
                "MONGODB_URI must start with mongodb:// or mongodb+srv:// "
                "(the value is not shown: it may hold a password)"
            )
        environment = env.get("ECEI_ENV", "development").strip() or "development"
        if environment not in ("development", "production"):
            raise SettingsError(
                f"ECEI_ENV must be 'development' or 'production', not {environment!r}"
            )
        db_name = env.get("ECEI_DB_NAME", "ecei").strip() or "ecei"
        if any(ch in db_name for ch in '/\\. "$') or len(db_name) > 63:
            raise SettingsError(
                f'ECEI_DB_NAME must be a MongoDB database name (no / \\ . space " $, '
                f"at most 63 characters), not {db_name!r}"
            )
        origins = tuple(o.strip() for o in env.get("ECEI_CORS_ORIGINS", "").split(",") if o.strip())
        return cls(
            mongodb_uri=uri,
            db_name=db_name,
            host=env.get("ECEI_HOST", "127.0.0.1").strip() or "127.0.0.1",
            port=_int(env, "ECEI_PORT", 8000, 1, 65535),
            environment=environment,
            min_group_size=_int(env, "ECEI_MIN_GROUP_SIZE", 3, 1, 1000),
            max_body_bytes=_int(env, "ECEI_MAX_BODY_BYTES", 65536, 1024, 16 * 1024 * 1024),
            db_timeout_ms=_int(env, "ECEI_DB_TIMEOUT_MS", 5000, 100, 600_000),
            db_pool_size=_int(env, "ECEI_DB_POOL_SIZE", 50, 1, 1000),
            motor_workers=(
                _int(env, "MOTOR_MAX_WORKERS", 1, 1, 1000)
                if env.get("MOTOR_MAX_WORKERS", "").strip()
                else None
            ),
            cors_origins=origins,
            publish_results=_bool(env, "ECEI_PUBLISH_RESULTS", False),
        )


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, not {value}")
    return value
