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
  clusters are served from them. A server-wide override: without it, an API key with the
  scope `results:read` reads them.
- `ECEI_KEYS_FILE` (`keys_file`): a JSON-lines file of API key hashes (`ecei keys create
  --file`) added to the `keys` collection at start-up; the way to give keys to the
  embedded store, which the `ecei keys` command cannot reach.
- `ECEI_BUDGET_PER_HOUR`, `ECEI_ANONYMOUS_BUDGET_PER_HOUR`: query budget, in points, of
  each API key and of each anonymous client address per hour (`api.budgets`).
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
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    publish_results: bool = False
    keys_file: str | None = None
    budget_per_hour: int = 20000
    anonymous_budget_per_hour: int = 5000

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
            keys_file=env.get("ECEI_KEYS_FILE", "").strip() or default.keys_file,
            budget_per_hour=_int(
                env, "ECEI_BUDGET_PER_HOUR", default.budget_per_hour, 1, 100_000_000
            ),
            anonymous_budget_per_hour=_int(
                env,
                "ECEI_ANONYMOUS_BUDGET_PER_HOUR",
                default.anonymous_budget_per_hour,
                1,
                100_000_000,
            ),
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
