"""Settings: the one place that reads the environment.

Every setting is an environment variable with the ``SHEDA_`` prefix. The embedded default
(no variables at all) runs on SQLite under ``./data`` with an in-process hub, mail written to
``./data/outbox`` and a secret generated once into ``./data/secret_key``. Production
(``SHEDA_ENV=production``) refuses weak or missing secrets and an open CORS policy.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A setting is missing or unsafe; the message is one line meant for the operator."""


@dataclass(frozen=True)
class RateLimit:
    """``limit`` events per ``window`` seconds; written ``"10/900"`` in the environment."""

    limit: int
    window: int

    @classmethod
    def parse(cls, name: str, raw: str) -> RateLimit:
        try:
            limit, window = (int(part) for part in raw.split("/", 1))
        except ValueError:
            raise ConfigError(f"{name} must look like LIMIT/SECONDS, e.g. 10/900") from None
        if limit < 1 or window < 1:
            raise ConfigError(f"{name} needs a positive limit and window")
        return cls(limit, window)

    def __str__(self) -> str:
        return f"{self.limit}/{self.window}"


MIN_SECRET_BYTES = 32


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "INFO"
    log_format: str = ""  # text | json; default json in production, text otherwise
    data_dir: Path = Path("data")
    database_url: str = ""  # default: sqlite under data_dir
    redis_url: str | None = None
    secret_key: str = field(default="", repr=False)

    access_token_ttl: int = 15 * 60
    refresh_token_ttl: int = 30 * 24 * 3600
    reset_token_ttl: int = 10 * 60
    ws_ticket_ttl: int = 30
    bcrypt_rounds: int = 12

    otp_ttl: int = 10 * 60
    otp_max_attempts: int = 5
    otp_resend_cooldown: int = 60

    # Empty: none, except in development, where any http://localhost or 127.0.0.1 port is
    # allowed (a frontend dev server on :5173 or :3000 works out of the box).
    cors_origins: tuple[str, ...] = ()
    ws_origins: tuple[str, ...] = ()
    proxies_count: int = 0
    request_max_size: int = 110 * 1024 * 1024  # ten 10 MB documents in one upload
    # Every body that is not a file upload (JSON, the login form): the largest real one is a
    # chat message or an inquiry of a few KiB.
    body_max_size: int = 64 * 1024

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_tls: str = "starttls"  # starttls | ssl | none
    mail_from: str = "Sheda <no-reply@sheda.local>"
    outbox_dir: Path | None = None  # default: data_dir/outbox
    media_dir: Path | None = None  # default: data_dir/media

    metrics_dir: Path | None = None  # default: a fresh temporary directory per server run
    metrics_token: str | None = field(default=None, repr=False)  # bearer for GET /metrics

    graceful_timeout: int = 15  # seconds from SIGTERM to exit: drain, finish, close
    drain_delay: int = 0  # seconds of that spent still accepting, /health answering 503

    jobs_interval: int = 60  # seconds between background loop ticks; 0 turns the loop off
    payment_window: int = 7 * 24 * 3600  # a contract unpaid this long is canceled
    currency: str = "NGN"  # ISO 4217 code shown with payment details
    facets_cache_seconds: int = 30  # how long a worker keeps a set of filters' facet counts
    playground: bool | None = None  # GET /playground; None: on unless SHEDA_ENV=production

    rate_login_account: RateLimit = RateLimit(10, 15 * 60)
    rate_login_ip: RateLimit = RateLimit(30, 60)
    rate_register_ip: RateLimit = RateLimit(10, 3600)
    rate_otp_email: RateLimit = RateLimit(5, 3600)
    rate_otp_ip: RateLimit = RateLimit(20, 3600)
    rate_reset_ip: RateLimit = RateLimit(10, 3600)
    rate_inquiry_ip: RateLimit = RateLimit(5, 3600)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def serves_playground(self) -> bool:
        return self.playground if self.playground is not None else not self.is_production

    @property
    def allows_localhost_cors(self) -> bool:
        """Development with no SHEDA_CORS_ORIGINS: local dev servers may call the API."""
        return self.env == "development" and not self.cors_origins

    @property
    def sanic_text_output(self) -> bool:
        """Sanic's own access log and multi-line start-up banner: for a person reading text
        in development; json logs have Sheda's request lines instead, and no banner."""
        return self.log_format == "text" and not self.is_production

    @property
    def uses_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://", "asyncpg://"))

    @property
    def outbox_path(self) -> Path:
        return self.outbox_dir or self.data_dir / "outbox"

    @property
    def media_path(self) -> Path:
        return self.media_dir or self.data_dir / "media"

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def masked(self) -> dict[str, str]:
        """The settings as strings for the start-up log, secrets hidden."""
        hidden = {"secret_key", "smtp_password", "metrics_token"}
        shown: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in hidden:
                shown[f.name] = "***" if value else "(unset)"
            elif f.name in {"database_url", "redis_url"} and value:
                shown[f.name] = mask_url_password(str(value))
            else:
                shown[f.name] = str(value)
        return shown


def mask_url_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


# --- reading the environment -----------------------------------------------------------

_PREFIX = "SHEDA_"


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _flag(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _int(name: str, raw: str, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from ``SHEDA_*`` variables and check them; raises ConfigError."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str | None:
        value = env.get(_PREFIX + name)
        return value if value not in (None, "") else None

    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = get(f.name.upper())
        if raw is None:
            continue
        name = _PREFIX + f.name.upper()
        default = f.default
        if isinstance(default, RateLimit):
            values[f.name] = RateLimit.parse(name, raw)
        elif f.name == "playground":
            values[f.name] = _flag(name, raw)
        elif isinstance(default, bool):
            values[f.name] = raw.lower() in {"1", "true", "yes", "on"}
        elif isinstance(default, int):
            zero_ok = f.name in {
                "proxies_count", "jobs_interval", "drain_delay", "facets_cache_seconds"
            }
            values[f.name] = _int(name, raw, minimum=0 if zero_ok else 1)
        elif isinstance(default, tuple):
            values[f.name] = _csv(raw)
        elif f.name in {"data_dir", "outbox_dir", "media_dir", "metrics_dir"}:
            values[f.name] = Path(raw)
        else:
            values[f.name] = raw
    settings = Settings(**values)
    if not settings.database_url:
        settings = replace(
            settings, database_url=f"sqlite://{settings.data_dir / 'sheda.sqlite3'}"
        )
    if not settings.log_format:
        settings = replace(settings, log_format="json" if settings.is_production else "text")
    if settings.log_format not in {"text", "json"}:
        raise ConfigError("SHEDA_LOG_FORMAT must be text or json")
    if settings.env not in {"development", "production", "test"}:
        raise ConfigError("SHEDA_ENV must be development, production or test")
    if settings.smtp_tls not in {"starttls", "ssl", "none"}:
        raise ConfigError("SHEDA_SMTP_TLS must be starttls, ssl or none")
    if settings.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError("SHEDA_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
    if not re.fullmatch(r"[A-Z]{3}", settings.currency):
        raise ConfigError("SHEDA_CURRENCY must be an ISO 4217 code such as NGN")
    if settings.drain_delay >= settings.graceful_timeout:
        raise ConfigError("SHEDA_DRAIN_DELAY must be shorter than SHEDA_GRACEFUL_TIMEOUT")
    if not 4 <= settings.bcrypt_rounds <= 16:
        raise ConfigError("SHEDA_BCRYPT_ROUNDS must be between 4 and 16")
    return _with_secret(settings)


def _with_secret(settings: Settings) -> Settings:
    if settings.is_production:
        if not settings.secret_key:
            raise ConfigError("SHEDA_SECRET_KEY is required when SHEDA_ENV=production")
        if len(settings.secret_key.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(
                f"SHEDA_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes in production"
            )
        if "*" in settings.cors_origins:
            raise ConfigError(
                "SHEDA_CORS_ORIGINS='*' is refused in production; list the allowed origins"
            )
        return settings
    if settings.secret_key:
        if len(settings.secret_key.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(f"SHEDA_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes")
        return settings
    return replace(settings, secret_key=_stored_secret(settings.data_dir / "secret_key"))


def _stored_secret(path: Path) -> str:
    """Generate the embedded-mode secret once and keep it, so tokens survive restarts."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    # O_EXCL: two workers starting at once must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


def in_sanic_server_process() -> bool:
    """True in a process that Sanic serves from (a worker, or ``--single-process``), where
    Sanic installed its signal handlers; false under a test's in-process server. Sanic marks
    such processes in the environment, and this is the one place that reads it."""
    return os.environ.get("SANIC_WORKER_PROCESS") == "true"


# prometheus-client's multiprocess mode takes its directory from this variable only.
PROMETHEUS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def get_prometheus_dir() -> str | None:
    return os.environ.get(PROMETHEUS_DIR_VARIABLE) or None


def set_prometheus_dir(path: str) -> None:
    """Also what Sanic's workers inherit from the main process."""
    os.environ[PROMETHEUS_DIR_VARIABLE] = path


def check_worker_count(settings: Settings, workers: int) -> None:
    """More than one worker without Redis would silently split chat between workers."""
    if workers > 1 and not settings.redis_url:
        raise ConfigError(
            f"{workers} workers need SHEDA_REDIS_URL (chat fan-out across workers); "
            "set it or run one worker"
        )
