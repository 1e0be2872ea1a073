"""/api/v1/admin/users and the admin guard (API.md "Roles, user types and token scopes",
"Admin")."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import jwt
import pytest
from tortoise import connections

from sheda.users.models import User
from tests.support import ME_KEYS, assert_error, bearer, login, register

USERS = "/api/v1/admin/users"


def scopes(token: str) -> list[str]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return list(claims["scopes"])


async def promote_by_sql(user_id: int, role: str = "admin") -> None:
    """Exactly the statement API.md promises will work."""
    conn = connections.get("default")
    placeholder = "$1" if conn.capabilities.dialect == "postgres" else "?"
    await conn.execute_query(
        f"UPDATE users SET role = '{role}' WHERE id = {placeholder}", [user_id]
    )


async def make_admin(
    client: httpx.AsyncClient, email: str = "root@example.com"
) -> tuple[int, dict[str, str]]:
    body = await register(client, email)
    await promote_by_sql(body["user"]["id"])
    tokens = await login(client, email)
    assert "admin" in scopes(tokens["access_token"])
    return body["user"]["id"], bearer(tokens["access_token"])


async def bulk_users(count: int, **fields: Any) -> list[User]:
    """Accounts straight in the database (no API for that; hashing 25 passwords is slow)."""
    return [
        await User.create(email=f"bulk{i:02d}@example.com", password_hash="x", **fields)
        for i in range(count)
    ]


# --- the guard ------------------------------------------------------------------------------


async def test_no_token_is_401(client):
    assert_error(await client.get(USERS), 401, "unauthorized")
    assert_error(await client.get(USERS, headers=bearer("garbage")), 401, "unauthorized")
    assert_error(await client.patch(f"{USERS}/1", json={"is_active": False}), 401, "unauthorized")


async def test_normal_user_is_403(client):
    body = await register(client, "user@example.com")
    auth = bearer(body["access_token"])
    assert_error(await client.get(USERS, headers=auth), 403, "forbidden")
    other = await register(client, "other@example.com")
    response = await client.patch(
        f"{USERS}/{other['user']['id']}", json={"is_active": False}, headers=auth
    )
    assert_error(response, 403, "forbidden")
    assert (await User.get(id=other["user"]["id"])).is_active is True


async def test_token_issued_before_promotion_lacks_admin_and_a_new_one_has_it(client):
    body = await register(client, "late@example.com")
    old_token = body["access_token"]
    assert "admin" not in scopes(old_token)

    await promote_by_sql(body["user"]["id"])
    assert (await User.get(id=body["user"]["id"])).role == "admin"

    # The role is admin now, but this token was issued without the admin scope.
    assert_error(await client.get(USERS, headers=bearer(old_token)), 403, "forbidden")

    fresh = await login(client, "late@example.com")
    assert "admin" in scopes(fresh["access_token"])
    assert fresh["user"]["role"] == "admin"
    response = await client.get(USERS, headers=bearer(fresh["access_token"]))
    assert response.status_code == 200, response.text


async def test_admin_scope_without_admin_role_is_403(client):
    admin_id, auth = await make_admin(client)
    # Demoted in the database while the token (with the admin scope) is still valid.
    await promote_by_sql(admin_id, "user")
    assert_error(await client.get(USERS, headers=auth), 403, "forbidden")


async def test_moderator_is_not_an_admin(client):
    body = await register(client, "mod@example.com")
    await promote_by_sql(body["user"]["id"], "moderator")
    tokens = await login(client, "mod@example.com")
    assert "moderator" in scopes(tokens["access_token"])
    assert "admin" not in scopes(tokens["access_token"])
    assert_error(await client.get(USERS, headers=bearer(tokens["access_token"])), 403, "forbidden")


async def test_deactivated_admin_is_403(client):
    admin_id, auth = await make_admin(client)
    assert (await client.get(USERS, headers=auth)).status_code == 200
    await User.filter(id=admin_id).update(is_active=False)
    assert_error(await client.get(USERS, headers=auth), 403, "forbidden")


async def test_active_admin_is_200(client):
    _, auth = await make_admin(client)
    response = await client.get(USERS, headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    assert body["next_cursor"] is None
    assert [item["email"] for item in body["items"]] == ["root@example.com"]


# --- listing --------------------------------------------------------------------------------


async def test_list_items_are_user_bodies_without_secrets(client):
    _, auth = await make_admin(client)
    await register(client, "agent@example.com", user_type="agent", username="agent007")
    response = await client.get(USERS, headers=auth)
    assert response.status_code == 200
    for item in response.json()["items"]:
        assert set(item) == ME_KEYS
        assert "password_hash" not in item
        assert item["created_at"].endswith("Z")
    assert "password" not in response.text
    assert "$2b$" not in response.text  # no bcrypt hash anywhere


async def test_list_filters(client):
    _, auth = await make_admin(client)
    await register(client, "agent.one@example.com", user_type="agent", fullname="Bola Agent")
    await register(client, "agent.two@example.com", user_type="agent", username="zed_agent")
    await register(client, "client@example.com", fullname="Chi Client")
    moderator = await register(client, "mod@example.com")
    await promote_by_sql(moderator["user"]["id"], "moderator")

    async def emails(**params: str) -> set[str]:
        response = await client.get(USERS, params=params, headers=auth)
        assert response.status_code == 200, response.text
        return {item["email"] for item in response.json()["items"]}

    assert await emails(role="admin") == {"root@example.com"}
    assert await emails(role="moderator") == {"mod@example.com"}
    assert await emails(role="user") == {
        "agent.one@example.com",
        "agent.two@example.com",
        "client@example.com",
    }
    assert await emails(user_type="agent") == {"agent.one@example.com", "agent.two@example.com"}
    assert await emails(user_type="client") == {
        "root@example.com",
        "client@example.com",
        "mod@example.com",
    }
    assert await emails(user_type="agent", role="admin") == set()
    assert await emails(q="agent") == {"agent.one@example.com", "agent.two@example.com"}
    assert await emails(q="ZED_") == {"agent.two@example.com"}  # username, any case
    assert await emails(q="chi cli") == {"client@example.com"}  # full name
    assert await emails(q="nobody-matches") == set()


@pytest.mark.parametrize(
    "params",
    [
        {"role": "superuser"},
        {"user_type": "landlord"},
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"sort": "email"},
    ],
)
async def test_list_bad_query_is_422(client, params):
    _, auth = await make_admin(client)
    response = await client.get(USERS, params=params, headers=auth)
    assert_error(response, 422, "validation_error")


@pytest.mark.parametrize("cursor", ["not-a-cursor!!", "e30", "WyJ4Il0", "WzEsMl0", "%%%"])
async def test_bad_cursor_is_422(client, cursor):
    _, auth = await make_admin(client)
    response = await client.get(USERS, params={"cursor": cursor}, headers=auth)
    body = assert_error(response, 422, "validation_error")
    assert "query.cursor" in {item["field"] for item in body["errors"]}


@pytest.mark.parametrize("key", [2**63, 10**20])
async def test_out_of_range_cursor_is_422(client, key):
    _, auth = await make_admin(client)
    cursor = base64.urlsafe_b64encode(f"[{key}]".encode()).decode().rstrip("=")
    response = await client.get(USERS, params={"cursor": cursor}, headers=auth)
    body = assert_error(response, 422, "validation_error")
    assert "query.cursor" in {item["field"] for item in body["errors"]}


async def test_limit_bounds_are_accepted(client):
    _, auth = await make_admin(client)
    await bulk_users(2)
    one = await client.get(USERS, params={"limit": "1"}, headers=auth)
    assert one.status_code == 200
    assert len(one.json()["items"]) == 1
    assert one.json()["next_cursor"]
    hundred = await client.get(USERS, params={"limit": "100"}, headers=auth)
    assert hundred.status_code == 200
    assert len(hundred.json()["items"]) == 3
    assert hundred.json()["next_cursor"] is None


async def test_cursor_pagination_visits_everyone_once_newest_first(client):
    admin_id, auth = await make_admin(client)
    created = await bulk_users(25)
    expected = [user.id for user in reversed(created)] + [admin_id]  # newest first

    seen: list[int] = []
    pages = 0
    cursor: str | None = None
    while True:
        params = {"limit": "10", **({"cursor": cursor} if cursor else {})}
        response = await client.get(USERS, params=params, headers=auth)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        assert len(body["items"]) <= 10
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert pages < 10, "pagination does not end"
    assert pages == 3
    assert seen == expected
    assert len(set(seen)) == 26


async def test_cursor_is_stable_while_new_accounts_arrive(client):
    _, auth = await make_admin(client)
    created = await bulk_users(5)
    first = (await client.get(USERS, params={"limit": "3"}, headers=auth)).json()
    await User.create(email="late@example.com", password_hash="x")
    rest = (
        await client.get(
            USERS, params={"limit": "10", "cursor": first["next_cursor"]}, headers=auth
        )
    ).json()
    ids = [item["id"] for item in first["items"] + rest["items"]]
    assert len(ids) == len(set(ids)) == 6  # 5 bulk + admin; the late one is not mixed in
    assert ids[:3] == [u.id for u in reversed(created)][:3]


# --- PATCH /admin/users/{id} ----------------------------------------------------------------


async def test_deactivate_a_user(client):
    _, auth = await make_admin(client)
    target = await register(client, "target@example.com")
    target_auth = bearer(target["access_token"])
    assert (await client.get("/api/v1/users/me", headers=target_auth)).status_code == 200

    response = await client.patch(
        f"{USERS}/{target['user']['id']}", json={"is_active": False}, headers=auth
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == ME_KEYS
    assert "password_hash" not in body
    assert body["id"] == target["user"]["id"]
    assert body["is_active"] is False
    assert (await User.get(id=target["user"]["id"])).is_active is False

    # The still-valid token may do nothing, and signing in again is refused.
    assert_error(await client.get("/api/v1/users/me", headers=target_auth), 403, "forbidden")
    assert_error(
        await client.patch("/api/v1/users/me", json={"bio": "x"}, headers=target_auth),
        403,
        "forbidden",
    )
    refused = await client.post(
        "/api/v1/auth/login", json={"username": "target@example.com", "password": "correct horse"}
    )
    assert_error(refused, 403, "forbidden")
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": target["refresh_token"]}
    )
    assert_error(refreshed, 403, "forbidden")

    # Reactivated: the same token works again.
    response = await client.patch(
        f"{USERS}/{target['user']['id']}", json={"is_active": True}, headers=auth
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is True
    assert (await client.get("/api/v1/users/me", headers=target_auth)).status_code == 200


async def test_wrong_password_on_a_deactivated_account_is_401(client):
    _, auth = await make_admin(client)
    target = await register(client, "target@example.com")
    await client.patch(f"{USERS}/{target['user']['id']}", json={"is_active": False}, headers=auth)
    response = await client.post(
        "/api/v1/auth/login", json={"username": "target@example.com", "password": "wrong pass"}
    )
    assert_error(response, 401, "unauthorized")


async def test_promote_through_the_api(client):
    _, auth = await make_admin(client)
    target = await register(client, "target@example.com")
    response = await client.patch(
        f"{USERS}/{target['user']['id']}", json={"role": "admin"}, headers=auth
    )
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "admin"
    assert (await User.get(id=target["user"]["id"])).role == "admin"

    tokens = await login(client, "target@example.com")
    assert "admin" in scopes(tokens["access_token"])
    assert (await client.get(USERS, headers=bearer(tokens["access_token"]))).status_code == 200


async def test_demote_through_the_api(client):
    _, auth = await make_admin(client)
    other_id, other_auth = await make_admin(client, "other.admin@example.com")
    response = await client.patch(f"{USERS}/{other_id}", json={"role": "user"}, headers=auth)
    assert response.status_code == 200
    assert response.json()["role"] == "user"
    # The demoted admin's token no longer opens admin routes.
    assert (await client.get(USERS, headers=other_auth)).status_code in (401, 403)
    tokens = await login(client, "other.admin@example.com")
    assert "admin" not in scopes(tokens["access_token"])
    assert_error(await client.get(USERS, headers=bearer(tokens["access_token"])), 403, "forbidden")


@pytest.mark.parametrize(
    "payload",
    [
        {"verified": True},
        {"email": "new@example.com"},
        {"password_hash": "x"},
        {"is_active": False, "user_type": "agent"},
        {"role": "superuser"},
        {"is_active": "nope"},
        # Strict booleans: 0 and "false" would have been coerced to False.
        {"is_active": 0},
        {"is_active": "false"},
    ],
)
async def test_patch_bad_body_is_422(client, payload):
    _, auth = await make_admin(client)
    target = await register(client, "target@example.com")
    before = await User.get(id=target["user"]["id"])
    response = await client.patch(f"{USERS}/{target['user']['id']}", json=payload, headers=auth)
    assert_error(response, 422, "validation_error")
    after = await User.get(id=target["user"]["id"])
    assert (after.role, after.is_active, after.verified, after.email, after.user_type) == (
        before.role,
        before.is_active,
        before.verified,
        before.email,
        before.user_type,
    )


async def test_patch_unknown_user_is_404(client):
    admin_id, auth = await make_admin(client)
    response = await client.patch(
        f"{USERS}/{admin_id + 999}", json={"is_active": False}, headers=auth
    )
    assert_error(response, 404, "not_found")
    assert_error(
        await client.patch(f"{USERS}/abc", json={"is_active": False}, headers=auth),
        404,
        "not_found",
    )


async def test_patch_out_of_range_id_is_404(client):
    _, auth = await make_admin(client)
    for huge in (2**31, 2**63, 10**20):
        response = await client.patch(f"{USERS}/{huge}", json={"is_active": False}, headers=auth)
        assert_error(response, 404, "not_found")


async def test_patch_deleted_user_is_404(client):
    _, auth = await make_admin(client)
    target = await register(client, "target@example.com")
    await client.delete("/api/v1/users/me", headers=bearer(target["access_token"]))
    response = await client.patch(
        f"{USERS}/{target['user']['id']}", json={"is_active": True}, headers=auth
    )
    assert_error(response, 404, "not_found")


async def test_admin_cannot_deactivate_or_demote_self(client):
    admin_id, auth = await make_admin(client)
    assert_error(
        await client.patch(f"{USERS}/{admin_id}", json={"is_active": False}, headers=auth),
        409,
        "conflict",
    )
    assert_error(
        await client.patch(f"{USERS}/{admin_id}", json={"role": "user"}, headers=auth),
        409,
        "conflict",
    )
    row = await User.get(id=admin_id)
    assert (row.role, row.is_active) == ("admin", True)
    assert (await client.get(USERS, headers=auth)).status_code == 200


async def test_admin_patch_malformed_json_is_400(client):
    admin_id, auth = await make_admin(client)
    response = await client.patch(
        f"{USERS}/{admin_id}",
        content=b"{is_active: false",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert_error(response, 400, "bad_request")
