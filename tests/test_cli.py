"""The ``sheda`` command run for real, in a subprocess, against the test database (SQLite
file or PostgreSQL, whichever the suite runs on), while the test server uses it too."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import jwt

from sheda.users.models import User
from tests.support import assert_error, bearer, login, register

ROOT = Path(__file__).resolve().parent.parent
ADMIN_USERS = "/api/v1/admin/users"


def scopes(token: str) -> list[str]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return list(claims["scopes"])


async def sheda(settings: Any, *args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SHEDA_")  # only what this test says
    }
    env.update(
        SHEDA_ENV="test",
        SHEDA_DATABASE_URL=settings.database_url,
        SHEDA_DATA_DIR=str(settings.data_dir),
        SHEDA_SECRET_KEY="cli-test-secret-" + "k" * 32,
        SHEDA_BCRYPT_ROUNDS="4",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sheda.cli",
        *args,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_promote_gives_admin_to_tokens_issued_afterwards(client, settings):
    body = await register(client, "Boss@Example.com")
    old_token = body["access_token"]

    code, out, err = await sheda(settings, "promote", "boss@example.com", "--role", "admin")
    assert code == 0, err
    assert "boss@example.com" in out
    assert (await User.get(id=body["user"]["id"])).role == "admin"

    assert_error(await client.get(ADMIN_USERS, headers=bearer(old_token)), 403, "forbidden")
    tokens = await login(client, "boss@example.com")
    assert "admin" in scopes(tokens["access_token"])
    assert tokens["user"]["role"] == "admin"
    response = await client.get(ADMIN_USERS, headers=bearer(tokens["access_token"]))
    assert response.status_code == 200, response.text


async def test_promote_is_case_insensitive_on_the_email(client, settings):
    body = await register(client, "mixed@example.com")
    code, _, err = await sheda(settings, "promote", "MIXED@Example.COM", "--role", "moderator")
    assert code == 0, err
    assert (await User.get(id=body["user"]["id"])).role == "moderator"
    tokens = await login(client, "mixed@example.com")
    assert "moderator" in scopes(tokens["access_token"])
    assert "admin" not in scopes(tokens["access_token"])


async def test_promote_unknown_email_fails_clearly(client, settings):
    await register(client, "someone@example.com")
    code, out, err = await sheda(settings, "promote", "ghost@example.com", "--role", "admin")
    assert code != 0
    message = (err + out).lower()
    assert "ghost@example.com" in message
    assert "no account" in message
    assert "traceback" not in message
    assert await User.filter(role="admin").count() == 0


async def test_promote_ignores_deleted_accounts(client, settings):
    body = await register(client, "gone@example.com")
    await client.delete("/api/v1/users/me", headers=bearer(body["access_token"]))
    code, _, _ = await sheda(settings, "promote", "gone@example.com", "--role", "admin")
    assert code != 0
    assert (await User.get(id=body["user"]["id"])).role == "user"


async def test_promote_rejects_an_unknown_role(client, settings):
    body = await register(client, "someone@example.com")
    code, _, err = await sheda(settings, "promote", "someone@example.com", "--role", "king")
    assert code != 0
    assert "king" in err
    assert (await User.get(id=body["user"]["id"])).role == "user"


async def test_create_admin_from_stdin_can_sign_in(client, settings):
    code, out, err = await sheda(
        settings,
        "create-admin",
        "Chief@Example.com",
        "--password-stdin",
        stdin=b"a long admin password\n",
    )
    assert code == 0, err
    assert "a long admin password" not in out + err
    user = await User.get(email="chief@example.com")
    assert (user.role, user.is_active) == ("admin", True)

    tokens = await login(client, "chief@example.com", "a long admin password")
    assert "admin" in scopes(tokens["access_token"])
    response = await client.get(ADMIN_USERS, headers=bearer(tokens["access_token"]))
    assert response.status_code == 200, response.text
    assert [item["email"] for item in response.json()["items"]] == ["chief@example.com"]


async def test_create_admin_for_an_existing_account_resets_it(client, settings):
    body = await register(client, "existing@example.com", password="old password 1")
    code, _, err = await sheda(
        settings,
        "create-admin",
        "existing@example.com",
        "--password-stdin",
        stdin=b"new password 22\n",
    )
    assert code == 0, err
    assert await User.filter(email="existing@example.com").count() == 1
    assert (await User.get(id=body["user"]["id"])).role == "admin"
    refused = await client.post(
        "/api/v1/auth/login",
        json={"username": "existing@example.com", "password": "old password 1"},
    )
    assert_error(refused, 401, "unauthorized")
    tokens = await login(client, "existing@example.com", "new password 22")
    assert "admin" in scopes(tokens["access_token"])


async def test_create_admin_refuses_a_short_password(client, settings):
    code, out, err = await sheda(
        settings, "create-admin", "short@example.com", "--password-stdin", stdin=b"short\n"
    )
    assert code != 0
    assert "8" in err + out
    assert not await User.exists(email="short@example.com")


COMMANDS = ("serve", "migrate", "promote", "create-admin", "seed-demo", "jobs", "jobs run-once")


async def test_help_is_plain_text_for_every_command(settings):
    # The help texts are read in a terminal: no reStructuredText markup (the module
    # docstring's ``sheda`` once showed there), and each command says what it does.
    code, out, _ = await sheda(settings, "--help")
    assert code == 0
    assert "``" not in out
    assert "SHEDA_" in out and "sheda serve" in out  # where settings come from, an example
    for command in COMMANDS:
        assert command.split()[-1] in out or command.startswith("jobs ")
        code, out_of_command, _ = await sheda(settings, *command.split(), "--help")
        assert code == 0, command
        assert "``" not in out_of_command
        usage, _, rest = out_of_command.partition("\n\n")
        assert usage.startswith(f"usage: sheda {command}"), out_of_command
        description = rest.split("\n\n", 1)[0]
        assert not description.startswith(("positional arguments", "options")), command
