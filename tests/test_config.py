"""Settings come from SHEDA_* variables only, have safe defaults for the embedded mode, and
production refuses to start with weak settings, saying why in one line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sheda.config import ConfigError, RateLimit, Settings, check_worker_count, load_settings

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 32


def one_line(err: pytest.ExceptionInfo[ConfigError]) -> str:
    message = str(err.value)
    assert message and "\n" not in message, repr(message)
    return message


# --- defaults and the embedded secret ---------------------------------------------------------


def test_defaults_with_no_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default data_dir is ./data
    settings = load_settings({})
    assert settings.env == "development"
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.workers == 1
    assert settings.data_dir == Path("data")
    assert settings.database_url == "sqlite://data/sheda.sqlite3"
    assert not settings.uses_postgres
    assert settings.redis_url is None
    assert settings.outbox_path == Path("data/outbox")
    assert settings.media_path == Path("data/media")
    assert (tmp_path / "data" / "secret_key").is_file()


def test_sqlite_lives_under_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"SHEDA_DATA_DIR": str(tmp_path / "d")})
    assert settings.database_url == f"sqlite://{tmp_path / 'd' / 'sheda.sqlite3'}"


def test_os_environ_is_not_read_when_a_mapping_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHEDA_PORT", "9999")
    assert load_settings({"SHEDA_DATA_DIR": str(tmp_path)}).port == 8000


def test_embedded_secret_is_generated_once_and_reused(tmp_path: Path) -> None:
    environ = {"SHEDA_DATA_DIR": str(tmp_path)}
    first = load_settings(environ)
    path = tmp_path / "secret_key"
    assert len(first.secret_key.encode()) >= 32
    assert path.read_text().strip() == first.secret_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = load_settings(environ)
    assert second.secret_key == first.secret_key
    other = load_settings({"SHEDA_DATA_DIR": str(tmp_path / "elsewhere")})
    assert other.secret_key != first.secret_key


def test_explicit_secret_wins_and_writes_nothing(tmp_path: Path) -> None:
    settings = load_settings({"SHEDA_DATA_DIR": str(tmp_path), "SHEDA_SECRET_KEY": GOOD_KEY})
    assert settings.secret_key == GOOD_KEY
    assert not (tmp_path / "secret_key").exists()


# --- production refusals ----------------------------------------------------------------------


def _production(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"SHEDA_ENV": "production", "SHEDA_DATA_DIR": str(tmp_path), **extra}


def test_production_with_good_settings_loads(tmp_path: Path) -> None:
    settings = load_settings(
        _production(tmp_path, SHEDA_SECRET_KEY=GOOD_KEY, SHEDA_CORS_ORIGINS="https://a.example")
    )
    assert settings.is_production
    assert settings.cors_origins == ("https://a.example",)
    assert not (tmp_path / "secret_key").exists(), "production never generates a secret"


def test_production_refuses_a_missing_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(_production(tmp_path))
    assert "SHEDA_SECRET_KEY" in one_line(err)
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_a_31_byte_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(_production(tmp_path, SHEDA_SECRET_KEY="k" * 31))
    assert "SHEDA_SECRET_KEY" in one_line(err)


def test_secret_length_counts_bytes(tmp_path: Path) -> None:
    # 16 characters, 32 bytes in UTF-8
    assert load_settings(_production(tmp_path, SHEDA_SECRET_KEY="é" * 16)).secret_key == "é" * 16


@pytest.mark.parametrize("origins", ["*", "https://a.example,*"])
def test_production_refuses_open_cors(tmp_path: Path, origins: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(_production(tmp_path, SHEDA_SECRET_KEY=GOOD_KEY, SHEDA_CORS_ORIGINS=origins))
    assert "SHEDA_CORS_ORIGINS" in one_line(err)


def test_more_than_one_worker_needs_redis() -> None:
    settings = Settings(secret_key=GOOD_KEY)
    with pytest.raises(ConfigError) as err:
        check_worker_count(settings, 2)
    assert "SHEDA_REDIS_URL" in one_line(err)
    check_worker_count(settings, 1)
    check_worker_count(settings.with_overrides(redis_url="redis://127.0.0.1:6379/0"), 4)


# --- parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "raw"),
    [("SHEDA_PORT", "eighty"), ("SHEDA_PORT", "80.5"), ("SHEDA_WORKERS", "0")],
)
def test_bad_integer_is_refused(tmp_path: Path, variable: str, raw: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({"SHEDA_DATA_DIR": str(tmp_path), variable: raw})
    assert variable in one_line(err)


def test_empty_variable_means_unset(tmp_path: Path) -> None:
    assert load_settings({"SHEDA_DATA_DIR": str(tmp_path), "SHEDA_PORT": ""}).port == 8000


def test_integers_are_parsed(tmp_path: Path) -> None:
    settings = load_settings(
        {"SHEDA_DATA_DIR": str(tmp_path), "SHEDA_PORT": "8081", "SHEDA_WORKERS": "3"}
    )
    assert (settings.port, settings.workers) == (8081, 3)


def test_jobs_interval_zero_turns_the_loop_off_but_negative_is_refused(tmp_path: Path) -> None:
    base = {"SHEDA_DATA_DIR": str(tmp_path)}
    assert load_settings(base).jobs_interval == 60
    assert load_settings({**base, "SHEDA_JOBS_INTERVAL": "0"}).jobs_interval == 0
    with pytest.raises(ConfigError) as err:
        load_settings({**base, "SHEDA_JOBS_INTERVAL": "-1"})
    assert "SHEDA_JOBS_INTERVAL" in one_line(err)


@pytest.mark.parametrize(
    ("variable", "raw"),
    [("SHEDA_CURRENCY", "naira"), ("SHEDA_CURRENCY", "ngn"), ("SHEDA_LOG_LEVEL", "LOUD")],
)
def test_bad_names_are_refused(tmp_path: Path, variable: str, raw: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({"SHEDA_DATA_DIR": str(tmp_path), variable: raw})
    assert variable in one_line(err)


def test_currency_and_log_level_are_read(tmp_path: Path) -> None:
    settings = load_settings(
        {"SHEDA_DATA_DIR": str(tmp_path), "SHEDA_CURRENCY": "USD", "SHEDA_LOG_LEVEL": "debug"}
    )
    assert (settings.currency, settings.log_level) == ("USD", "debug")


def test_rate_limit_parsing(tmp_path: Path) -> None:
    settings = load_settings(
        {"SHEDA_DATA_DIR": str(tmp_path), "SHEDA_RATE_LOGIN_ACCOUNT": "10/900"}
    )
    assert settings.rate_login_account == RateLimit(limit=10, window=900)
    assert str(settings.rate_login_account) == "10/900"


@pytest.mark.parametrize("raw", ["10", "ten/900", "10/0", "0/60", "10/900/5"])
def test_bad_rate_limit_is_refused(tmp_path: Path, raw: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({"SHEDA_DATA_DIR": str(tmp_path), "SHEDA_RATE_LOGIN_IP": raw})
    assert "SHEDA_RATE_LOGIN_IP" in one_line(err)


def test_lists_are_comma_separated(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "SHEDA_DATA_DIR": str(tmp_path),
            "SHEDA_CORS_ORIGINS": " https://a.example, https://b.example ,",
        }
    )
    assert settings.cors_origins == ("https://a.example", "https://b.example")


# --- masking --------------------------------------------------------------------------------------


def test_masked_hides_secrets() -> None:
    settings = Settings(
        secret_key="super-secret-signing-key-0123456789",
        database_url="postgres://sheda:hunter2@db.internal:5432/sheda",
        redis_url="redis://:redispass@cache:6379/0",
        smtp_password="smtp-pass-77",
    )
    shown = settings.masked()
    text = " ".join(shown.values())
    for secret in ("super-secret-signing-key", "hunter2", "redispass", "smtp-pass-77"):
        assert secret not in text
    assert shown["secret_key"] == "***"
    assert shown["database_url"] == "postgres://sheda:***@db.internal:5432/sheda"
    assert "cache:6379" in shown["redis_url"]
    assert shown["port"] == "8000"
    assert "super-secret" not in repr(settings)


def test_masked_keeps_urls_without_passwords() -> None:
    shown = Settings(database_url="sqlite://data/sheda.sqlite3").masked()
    assert shown["database_url"] == "sqlite://data/sheda.sqlite3"
    assert shown["secret_key"] == "(unset)"


# --- the real entry points ----------------------------------------------------------------------


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEDA_")}
    env["SHEDA_DATA_DIR"] = str(tmp_path / "data")
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _sheda_command() -> list[str]:
    script = Path(sys.executable).with_name("sheda")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sheda.cli"]


def test_server_module_refuses_production_without_secret(tmp_path: Path) -> None:
    result = _run(
        [sys.executable, "-c", "import server"], _clean_env(tmp_path, SHEDA_ENV="production")
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("sheda:"), result.stderr
    assert "SHEDA_SECRET_KEY" in last
    assert not (tmp_path / "data").exists()


def test_serve_refuses_two_workers_without_redis(tmp_path: Path) -> None:
    from tests.support import free_port

    result = _run(
        [*_sheda_command(), "serve", "--workers", "2", "--port", str(free_port())],
        _clean_env(tmp_path),
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sheda:") and "SHEDA_REDIS_URL" in lines[0]


# --- operations: log format, shutdown, metrics ----------------------------------------------------


def test_log_format_is_json_in_production_and_text_otherwise(tmp_path: Path) -> None:
    production = load_settings(_production(tmp_path, SHEDA_SECRET_KEY=GOOD_KEY))
    development = load_settings({"SHEDA_DATA_DIR": str(tmp_path)})
    assert (production.log_format, development.log_format) == ("json", "text")
    assert (production.sanic_text_output, development.sanic_text_output) == (False, True)
    chosen = load_settings({"SHEDA_DATA_DIR": str(tmp_path), "SHEDA_LOG_FORMAT": "json"})
    assert (chosen.log_format, chosen.sanic_text_output) == ("json", False)
    with pytest.raises(ConfigError) as err:
        load_settings({"SHEDA_DATA_DIR": str(tmp_path), "SHEDA_LOG_FORMAT": "xml"})
    assert "SHEDA_LOG_FORMAT" in one_line(err)


def test_shutdown_timings(tmp_path: Path) -> None:
    base = {"SHEDA_DATA_DIR": str(tmp_path)}
    defaults = load_settings(base)
    assert (defaults.graceful_timeout, defaults.drain_delay) == (15, 0)
    set_ = load_settings({**base, "SHEDA_GRACEFUL_TIMEOUT": "30", "SHEDA_DRAIN_DELAY": "5"})
    assert (set_.graceful_timeout, set_.drain_delay) == (30, 5)
    with pytest.raises(ConfigError) as err:
        load_settings({**base, "SHEDA_GRACEFUL_TIMEOUT": "5", "SHEDA_DRAIN_DELAY": "5"})
    assert "SHEDA_DRAIN_DELAY" in one_line(err)
    with pytest.raises(ConfigError):
        load_settings({**base, "SHEDA_GRACEFUL_TIMEOUT": "0"})


def test_metrics_settings(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "SHEDA_DATA_DIR": str(tmp_path),
            "SHEDA_METRICS_DIR": str(tmp_path / "m"),
            "SHEDA_METRICS_TOKEN": "scrape-me",
        }
    )
    assert settings.metrics_dir == tmp_path / "m"
    assert settings.metrics_token == "scrape-me"
    assert "scrape-me" not in repr(settings)
    assert settings.masked()["metrics_token"] == "***"


def test_the_playground_is_on_outside_production_unless_told(tmp_path: Path) -> None:
    data = {"SHEDA_DATA_DIR": str(tmp_path)}
    assert load_settings(data).serves_playground
    assert not load_settings({**data, "SHEDA_PLAYGROUND": "false"}).serves_playground
    production = _production(tmp_path, SHEDA_SECRET_KEY=GOOD_KEY)
    assert not load_settings(production).serves_playground
    assert load_settings({**production, "SHEDA_PLAYGROUND": "true"}).serves_playground
    with pytest.raises(ConfigError) as err:
        load_settings({**data, "SHEDA_PLAYGROUND": "maybe"})
    assert "SHEDA_PLAYGROUND" in one_line(err)


def test_only_development_lets_localhost_origins_in(tmp_path: Path) -> None:
    data = {"SHEDA_DATA_DIR": str(tmp_path)}
    assert load_settings(data).allows_localhost_cors  # development is the default
    listed = load_settings({**data, "SHEDA_CORS_ORIGINS": "https://app.example"})
    assert not listed.allows_localhost_cors  # an explicit list is the whole list
    assert not load_settings({**data, "SHEDA_ENV": "test"}).allows_localhost_cors
    production = _production(tmp_path, SHEDA_SECRET_KEY=GOOD_KEY)
    assert not load_settings(production).allows_localhost_cors
