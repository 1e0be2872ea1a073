"""GET /playground/accounts: the demo accounts the playground offers, once `sheda seed-demo`
has run. Their password is published on purpose (seed-demo refuses production); the route
answers 404 wherever the playground is off, and always in production."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from sheda.common.access import Access
from sheda.common.http import endpoint, respond
from sheda.demo import accounts
from sheda.errors import NotFound

bp = Blueprint("demo")


@bp.get("/playground/accounts")
@endpoint(
    Access.PUBLIC,
    summary="Demo accounts for the playground",
    tag="Operations",
    description="The admin, the first agents and clients that `sheda seed-demo` made, with "
    "their shared password; an empty list before seed-demo ran. 404 when the playground "
    "is off, and in production.",
    responses={200: accounts.DemoAccountsOut},
)
async def demo_accounts(request: Request) -> HTTPResponse:
    settings = request.app.ctx.settings
    if settings.is_production or not settings.serves_playground:
        raise NotFound()
    return respond(await accounts.offered())
