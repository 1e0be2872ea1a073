from tests.support import assert_error, bearer, login, register


async def test_register_login_me(client, mailbox):
    await register(client, "ada@example.com", username="Ada")
    tokens = await login(client, "ADA")
    me = await client.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["username"] == "ada"
    code = await mailbox.latest_code("ada@example.com")
    assert len(code) == 6


async def test_unknown_route_is_json(client):
    response = await client.get("/api/v1/nothing-here", headers={"X-Request-ID": "abc-123"})
    body = assert_error(response, 404, "not_found")
    assert body["request_id"] == "abc-123"
