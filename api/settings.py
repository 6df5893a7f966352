"""Settings, read once from the environment and validated at start-up.

Each variable sets one `Settings` field (its name without `ECEI_`, in lower case, unless
another is given in brackets); an unset or empty variable leaves the field's default, which
is written in the class and nowhere else.

- `MONGODB_URI` (`mongodb_uri`): connection string; unset means the embedded in-process
  store. A server given here is never seeded implicitly.
- `ECEI_DB_NAME`: database name.
- `ECEI_HOST`, `ECEI_PORT`: where `ecei serve` listens.
- `ECEI_ENV` (`environment`): `development` or `production`; `production` turns off
  GraphiQL, introspection and field suggestions.
- `ECEI_MIN_GROUP_SIZE`: aggregates over fewer clusters are withheld.
- `ECEI_MAX_BODY_BYTES`: larger request bodies get 413.
- `ECEI_DB_TIMEOUT_MS`: server selection and per-operation timeout.
- `ECEI_CORS_ORIGINS`: comma-separated allowlist of origins; empty sends no CORS headers.
- `ECEI_PUBLISH_RESULTS`: serve the individual results of real (non-sample) interviews.
  They are confidential: by default only aggregates over at least `ECEI_MIN_GROUP_SIZE`
  clusters are served from them.
- `ECEI_WORKERS`: server processes of `ecei serve` (see `api.server`).
- `ECEI_SHUTDOWN_GRACE_SECONDS`: on SIGTERM, how long in-flight requests may take to finish.
- `ECEI_HEADER_TIMEOUT_SECONDS`, `ECEI_BODY_TIMEOUT_SECONDS`: a client that has not sent
  its request headers, or its whole body, within this long is cut off (408).
- `ECEI_KEEP_ALIVE_SECONDS`: an idle keep-alive connection is closed after this long.
- `ECEI_MAX_CONNECTIONS`: connections (and requests) one process serves at once; more get
  503.
- `ECEI_READ_PREFERENCE`: where aggregate reads go on a replica set (`primary`,
  `primaryPreferred`, `secondary`, `secondaryPreferred`, `nearest`).
- `ECEI_METRICS`: serve Prometheus metrics on `/metrics`; `ECEI_METRICS_TOKEN`
  (`metrics_token`): the bearer token a scraper must send, required in production.
- `ECEI_LOG_FORMAT`: `json` or `text`; unset means text on a terminal, JSON otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["READ_PREFERENCES", "Settings", "SettingsError"]

# The read preference modes of a MongoDB connection, by their connection-string names.
READ_PREFERENCES = ("primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest")


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
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    publish_results: bool = False
    workers: int = 1
    shutdown_grace_seconds: int = 20
    header_timeout_seconds: int = 10
    body_timeout_seconds: int = 20
    keep_alive_seconds: int = 5
    max_connections: int = 1000
    read_preference: str = "primary"
    metrics: bool = False
    metrics_token: str | None = field(default=None, repr=False)
    log_format: str | None = None

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
        default = cls()
        uri = env.get("MONGODB_URI", "").strip() or default.mongodb_uri
        if uri is not None and not uri.startswith(("mongodb://", "mongodb+srv://")):
            raise SettingsError(
                "MONGODB_URI must start with mongodb:// or mongodb+srv:// "
                "(the value is not shown: it may hold a password)"
            )
        environment = env.get("ECEI_ENV", "").strip() or default.environment
        if environment not in ("development", "production"):
            raise SettingsError(
                f"ECEI_ENV must be 'development' or 'production', not {environment!r}"
            )
        db_name = env.get("ECEI_DB_NAME", "").strip() or default.db_name
        if any(ch in db_name for ch in '/\\. "$') or len(db_name) > 63:
            raise SettingsError(
                f'ECEI_DB_NAME must be a MongoDB database name (no / \\ . space " $, '
                f"at most 63 characters), not {db_name!r}"
            )
        read_preference = env.get("ECEI_READ_PREFERENCE", "").strip() or default.read_preference
        if read_preference not in READ_PREFERENCES:
            raise SettingsError(
                f"ECEI_READ_PREFERENCE must be one of {', '.join(READ_PREFERENCES)}, "
                f"not {read_preference!r}"
            )
        metrics = _bool(env, "ECEI_METRICS", default.metrics)
        metrics_token = env.get("ECEI_METRICS_TOKEN", "").strip() or default.metrics_token
        if metrics and environment == "production" and metrics_token is None:
            raise SettingsError(
                "ECEI_METRICS_TOKEN must be set when ECEI_METRICS is on in production "
                "(scrapers then send it as a bearer token)"
            )
        log_format = env.get("ECEI_LOG_FORMAT", "").strip().lower() or default.log_format
        if log_format not in (None, "json", "text"):
            raise SettingsError(f"ECEI_LOG_FORMAT must be 'json' or 'text', not {log_format!r}")
        origins = tuple(o.strip() for o in env.get("ECEI_CORS_ORIGINS", "").split(",") if o.strip())
        return cls(
            mongodb_uri=uri,
            db_name=db_name,
            host=env.get("ECEI_HOST", "").strip() or default.host,
            port=_int(env, "ECEI_PORT", default.port, 1, 65535),
            environment=environment,
            min_group_size=_int(env, "ECEI_MIN_GROUP_SIZE", default.min_group_size, 1, 1000),
            max_body_bytes=_int(
                env, "ECEI_MAX_BODY_BYTES", default.max_body_bytes, 1024, 16 * 1024 * 1024
            ),
            db_timeout_ms=_int(env, "ECEI_DB_TIMEOUT_MS", default.db_timeout_ms, 100, 600_000),
            cors_origins=origins or default.cors_origins,
            publish_results=_bool(env, "ECEI_PUBLISH_RESULTS", default.publish_results),
            workers=_int(env, "ECEI_WORKERS", default.workers, 1, 64),
            shutdown_grace_seconds=_int(
                env, "ECEI_SHUTDOWN_GRACE_SECONDS", default.shutdown_grace_seconds, 1, 600
            ),
            header_timeout_seconds=_int(
                env, "ECEI_HEADER_TIMEOUT_SECONDS", default.header_timeout_seconds, 1, 600
            ),
            body_timeout_seconds=_int(
                env, "ECEI_BODY_TIMEOUT_SECONDS", default.body_timeout_seconds, 1, 600
            ),
            keep_alive_seconds=_int(
                env, "ECEI_KEEP_ALIVE_SECONDS", default.keep_alive_seconds, 1, 600
            ),
            max_connections=_int(env, "ECEI_MAX_CONNECTIONS", default.max_connections, 1, 100_000),
            read_preference=read_preference,
            metrics=metrics,
            metrics_token=metrics_token,
            log_format=log_format,
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
