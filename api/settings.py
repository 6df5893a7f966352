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
- `ECEI_DB_TIMEOUT_MS`: server selection and per-operation timeout, for each that
  `MONGODB_URI` does not set itself (`serverSelectionTimeoutMS`, `timeoutMS`): the client's
  `timeoutMS`, from which the driver sets `maxTimeMS` on every command, so the server
  stops an operation the request no longer waits for.
- `ECEI_DB_POOL_SIZE`: connections per server (`maxPoolSize`).
- `MOTOR_MAX_WORKERS` (`motor_workers`; default CPUs × 5): Motor's threads, read by Motor
  itself when it is first imported; validated here so that a bad value is a clear error.
  Every operation in flight holds one thread, so keep it at least `ECEI_DB_POOL_SIZE`.
- `ECEI_CORS_ORIGINS`: comma-separated allowlist of origins, each `scheme://host[:port]`
  (or `*` alone); empty sends no CORS headers.
- `ECEI_CORS_HEADERS`: comma-separated request headers a cross-origin client may send.
- `ECEI_CACHE_MAX_AGE`: seconds a shared cache or a browser may keep a successful GET
  response of `/graphql` (`Cache-Control: public, max-age=N`).
- `ECEI_PUBLISH_RESULTS`: serve the individual results of real (non-sample) interviews.
  They are confidential: by default only aggregates over at least `ECEI_MIN_GROUP_SIZE`
  clusters are served from them. A server-wide override: without it, an API key with the
  scope `results:read` reads them.
- `ECEI_KEYS_FILE` (`keys_file`): a JSON-lines file of API key hashes (`ecei keys create
  --file`) added to the `keys` collection at start-up; the way to give keys to the
  embedded store, which the `ecei keys` command cannot reach.
- `ECEI_BUDGET_PER_HOUR`, `ECEI_ANONYMOUS_BUDGET_PER_HOUR`: query budget, in points, of
  each API key and of each anonymous client address per hour (`api.budgets`).
- `ECEI_WORKERS`: server processes of `ecei serve` (see `api.server`).
- `ECEI_SHUTDOWN_GRACE_SECONDS`: on SIGTERM, how long in-flight requests may take to finish.
- `ECEI_HEADER_TIMEOUT_SECONDS`, `ECEI_BODY_TIMEOUT_SECONDS`: a client that has not sent
  its request headers, or its whole body, within this long is cut off (408).
- `ECEI_KEEP_ALIVE_SECONDS`: an idle keep-alive connection is closed after this long.
- `ECEI_MAX_CONNECTIONS`: connections (and requests) one process serves at once; more get
  503.
- `ECEI_TRUSTED_PROXIES`: comma-separated addresses or networks (`10.0.0.5`,
  `172.30.0.0/24`) of the reverse proxies whose `X-Forwarded-For` names the client; the
  client is the last address in it that is not one of them. Empty (the default): the
  header is ignored and the client is the connection's peer. `*`, `0.0.0.0/0` and `::/0`
  are refused: believing every peer would let any client pick the address its budget is
  charged to.
- `ECEI_MAX_OPERATIONS`: GraphQL requests (and CSV export pages) one process works on at
  once (parsing, validating, executing, encoding) when the response cache cannot answer
  them; the others wait their turn, and one that waited `EXECUTION_DEADLINE_SECONDS` gets 503 (see
  `api.view`). Answers from the response cache never wait.
- `ECEI_MAX_COST_IN_FLIGHT`: the summed query cost of the costly operations (over
  `api.admission.LIGHT_COST`) one process works on at once; the others wait, in order
  (see `api.admission`). By default the cost limit: one operation at the limit runs
  alone among the costly ones.
- `ECEI_READ_PREFERENCE`: where aggregate reads go on a replica set (`primary`,
  `primaryPreferred`, `secondary`, `secondaryPreferred`, `nearest`).
- `ECEI_METRICS`: serve Prometheus metrics on `/metrics`; `ECEI_METRICS_TOKEN`
  (`metrics_token`): the bearer token a scraper must send, required in production.
- `ECEI_LOG_FORMAT`: `json` or `text`; unset means text on a terminal, JSON otherwise.
- `ECEI_RESPONSE_CACHE_BYTES`: memory for whole responses of repeated queries; 0 turns the
  response cache off (see `api.response_cache`).
- `ECEI_CACHE_CHECK_SECONDS`: how often a process reads the data's generation (a decimal
  number of seconds); the longest a process may serve an answer from before another
  process's write. A process sees its own writes at once.
- `ECEI_EMBEDDED_LISTING` (`embedded_listing`): a listing file (raw, CSV or JSON) the
  embedded store is seeded with, with sample interviews, instead of the shipped listing;
  for demos and benchmarks at other sizes. Ignored with `MONGODB_URI`.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pymongo.errors import PyMongoError
from pymongo.uri_parser import parse_uri

from schema.rules.limits import DEFAULT_MIN_GROUP_SIZE, MAX_REQUESTED_NODES

__all__ = ["DEFAULT_CORS_HEADERS", "READ_PREFERENCES", "Settings", "SettingsError"]

# What common clients send: Apollo Client's own headers besides the usual ones.
DEFAULT_CORS_HEADERS = (
    "Accept",
    "Authorization",
    "Content-Type",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
)
# An origin as browsers send it: scheme, host, optional port; no path, not even "/".
_ORIGIN = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?"
)
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
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
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    max_body_bytes: int = 65536
    db_timeout_ms: int = 5000
    db_pool_size: int = 50
    motor_workers: int | None = None  # None: Motor's default
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    cors_headers: tuple[str, ...] = DEFAULT_CORS_HEADERS
    cache_max_age: int = 60
    publish_results: bool = False
    keys_file: str | None = None
    budget_per_hour: int = 20000
    anonymous_budget_per_hour: int = 5000
    workers: int = 1
    shutdown_grace_seconds: int = 20
    header_timeout_seconds: int = 10
    body_timeout_seconds: int = 20
    keep_alive_seconds: int = 5
    max_connections: int = 1000
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    max_operations: int = 8
    max_cost_in_flight: int = MAX_REQUESTED_NODES
    read_preference: str = "primary"
    metrics: bool = False
    metrics_token: str | None = field(default=None, repr=False)
    log_format: str | None = None
    response_cache_bytes: int = 64 * 1024 * 1024
    cache_check_seconds: float = 1.0
    embedded_listing: Path | None = None

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
        if uri is not None:
            _check_uri(uri)
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
        listing = env.get("ECEI_EMBEDDED_LISTING", "").strip()
        if listing and not Path(listing).is_file():
            raise SettingsError(f"ECEI_EMBEDDED_LISTING must name a listing file, not {listing!r}")
        origins = _origins(env.get("ECEI_CORS_ORIGINS", ""))
        headers = _list(env.get("ECEI_CORS_HEADERS", ""))
        for header in headers:
            if not _HEADER_NAME.fullmatch(header):
                raise SettingsError(
                    f"ECEI_CORS_HEADERS must be comma-separated header names, not {header!r}"
                )
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
            db_pool_size=_int(env, "ECEI_DB_POOL_SIZE", default.db_pool_size, 1, 1000),
            motor_workers=(
                _int(env, "MOTOR_MAX_WORKERS", 1, 1, 1000)
                if env.get("MOTOR_MAX_WORKERS", "").strip()
                else None
            ),
            cors_origins=origins or default.cors_origins,
            cors_headers=headers or default.cors_headers,
            cache_max_age=_int(env, "ECEI_CACHE_MAX_AGE", default.cache_max_age, 0, 31_536_000),
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
            trusted_proxies=_networks(env.get("ECEI_TRUSTED_PROXIES", "")),
            max_operations=_int(env, "ECEI_MAX_OPERATIONS", default.max_operations, 1, 10_000),
            max_cost_in_flight=_int(
                env, "ECEI_MAX_COST_IN_FLIGHT", default.max_cost_in_flight, 1, 1_000_000_000
            ),
            read_preference=read_preference,
            metrics=metrics,
            metrics_token=metrics_token,
            log_format=log_format,
            response_cache_bytes=_int(
                env, "ECEI_RESPONSE_CACHE_BYTES", default.response_cache_bytes, 0, 1 << 36
            ),
            cache_check_seconds=_float(
                env, "ECEI_CACHE_CHECK_SECONDS", default.cache_check_seconds, 0.0, 3600.0
            ),
            embedded_listing=Path(listing) if listing else default.embedded_listing,
        )


def _list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _origins(raw: str) -> tuple[str, ...]:
    """The origins of `ECEI_CORS_ORIGINS`. Browsers send `Origin` as scheme and host, so
    an origin written otherwise (`example.org`, `https://example.org/`) would never match:
    refused here rather than silently allowing nothing."""
    origins = _list(raw)
    if origins == ("*",):
        return origins
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise SettingsError(
                "ECEI_CORS_ORIGINS must be comma-separated origins of the form "
                f"scheme://host[:port] with no path (or * alone), not {origin!r}"
            )
    return origins


def _networks(raw: str) -> tuple[str, ...]:
    """The addresses and networks of `ECEI_TRUSTED_PROXIES`, each as `ipaddress` writes it."""
    networks = []
    for item in _list(raw):
        refused = (
            "ECEI_TRUSTED_PROXIES must be comma-separated IP addresses or networks "
            f"(10.0.0.5, 172.30.0.0/24), not {item!r}"
        )
        try:
            network = None if item == "*" else ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(refused) from None
        if network is None or network.prefixlen == 0:  # `*`, 0.0.0.0/0, ::/0: every peer
            raise SettingsError(
                f"{refused}: trusting every peer would let any client choose its address"
            )
        networks.append(str(network))
    return tuple(networks)


def _check_uri(uri: str) -> None:
    """Refuse a connection string the driver would refuse, at start-up, in one line."""
    # A mongodb+srv:// host is checked as a plain host: nothing is looked up in DNS here.
    plain = "mongodb://" + uri.removeprefix("mongodb+srv://").removeprefix("mongodb://")
    if any(ch.isspace() or not ch.isprintable() for ch in uri):
        # The driver takes `bad uri` (or a control character) as part of a host name.
        raise SettingsError(
            "MONGODB_URI is not a valid connection string: it holds a blank or a control "
            "character (the value is not shown: it may hold a password)"
        )
    if uri.startswith("mongodb+srv://"):
        # What the driver checks of an SRV string only when it resolves it, at the first
        # operation: one host name, without a port.
        hosts = uri.removeprefix("mongodb+srv://").partition("/")[0].rpartition("@")[2]
        if "," in hosts or ":" in hosts.rpartition("]")[2]:
            raise SettingsError(
                "MONGODB_URI is not a valid connection string: a mongodb+srv:// string "
                "names one host, without a port (the value is not shown: it may hold a "
                "password)"
            )
    try:
        parse_uri(plain)
    except (ValueError, PyMongoError) as exc:  # InvalidURI, ConfigurationError, bad values
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SettingsError(
            f"MONGODB_URI is not a valid connection string: {reason} "
            "(the value is not shown: it may hold a password)"
        ) from None


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


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g}, not {raw}")
    return value
