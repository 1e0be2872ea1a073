"""create_app(settings) -> Sanic: listeners, middleware, blueprints, the error handler."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse
from sanic_ext import Extend
from sanic_ext.extensions.openapi.builders import OperationStore

from sheda import collector, db, lifecycle, metrics
from sheda.admin.routes import bp as admin_bp
from sheda.appointments.routes import bp as appointments_bp
from sheda.auth.principal import enforce_access
from sheda.auth.routes import bp as auth_bp
from sheda.banner import ShedaSanic, announce
from sheda.chat.routes import bp as chat_bp
from sheda.common import jsontext
from sheda.common.access import ACCESS_ATTR, Access
from sheda.common.context import Runtime
from sheda.common.http import UPLOAD_ATTR, App
from sheda.common.logs import (
    ACCESS_LOGGER,
    access_fields,
    configure_logging,
    current_request_id,
    current_user_id,
    sanic_log_config,
)
from sheda.common.openapi import publish_components
from sheda.common.pagination import MAX_DB_ID
from sheda.common.spec import finish_spec
from sheda.config import (
    ConfigError,
    Settings,
    check_worker_count,
    in_sanic_server_process,
    load_settings,
)
from sheda.contracts.routes import bp as contracts_bp
from sheda.demo.routes import bp as demo_bp
from sheda.docs.routes import bp as docs_bp
from sheda.errors import JsonErrorHandler, request_id
from sheda.health.routes import bp as health_bp
from sheda.inquiries.routes import bp as inquiries_bp
from sheda.jobs import loop as jobs_loop
from sheda.jobs import process as jobs_process
from sheda.media.routes import bp as media_bp
from sheda.notifications.routes import bp as notifications_bp
from sheda.properties.routes import bp as properties_bp
from sheda.properties.routes import favorites_bp
from sheda.runtime import build_runtime, close_runtime
from sheda.security.headers import add_security_headers
from sheda.supervise import supervise
from sheda.users.routes import bp as users_bp

logger = logging.getLogger("sheda")

BLUEPRINTS = [
    health_bp,
    docs_bp,
    auth_bp,
    users_bp,
    favorites_bp,
    admin_bp,
    media_bp,
    notifications_bp,
    properties_bp,
    inquiries_bp,
    chat_bp,
    appointments_bp,
    contracts_bp,
    demo_bp,
]
OPENAPI_BLUEPRINT = "openapi"  # sanic-ext's spec route
SPEC_PATH = "/docs/openapi.json"
BIND_RULES_PRIORITY = -10_000


def _configure(app: App, settings: Settings) -> None:
    app.config.REQUEST_MAX_SIZE = settings.request_max_size
    app.config.WEBSOCKET_MAX_SIZE = 64 * 1024  # bigger frames close with 1009
    app.config.WEBSOCKET_PING_INTERVAL = 25
    app.config.WEBSOCKET_PING_TIMEOUT = 20
    app.config.PROXIES_COUNT = settings.proxies_count
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.KEEP_ALIVE_TIMEOUT = 30
    # sanic-ext: keep the spec at /docs/openapi.json; our own offline UI serves /docs.
    app.config.OAS_URL_PREFIX = "/docs"
    app.config.OAS_UI_REDOC = False
    app.config.OAS_UI_SWAGGER = False
    app.config.OAS_AUTODOC = False
    app.config.CORS_ORIGINS = cors_origins(settings)
    app.config.CORS_ALLOW_HEADERS = "authorization,content-type,x-request-id"
    app.config.CORS_EXPOSE_HEADERS = "x-request-id,retry-after,location"
    app.config.CORS_MAX_AGE = 600
    app.config.CORS_ALWAYS_SEND = False


# Any port of the machine itself, over http: what a frontend's dev server runs on.
LOCAL_ORIGINS = re.compile(r"^http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?$")


def cors_origins(settings: Settings) -> str | re.Pattern[str]:
    if settings.allows_localhost_cors:
        return LOCAL_ORIGINS
    return ",".join(settings.cors_origins)


def _describe_api(app: App) -> None:
    oas: Any = app.ext.openapi
    oas.describe(
        "Sheda API",
        version="1",
        description=(
            "Real-estate platform backend. Every error has the body "
            "`{detail, code, request_id}` (+ `errors` on 422). Each operation names its "
            "access rule: public, user, client, agent or admin. Rules of every operation: "
            "text never contains NUL (U+0000; 422); surrounding whitespace of text fields "
            "is dropped; an empty query parameter (`?q=`) is the parameter left out; a URL "
            "over 8 KiB is 414 and headers over it 431; bodies are limited per route (413)."
        ),
    )
    oas.add_security_scheme("bearer", "http", scheme="bearer", bearer_format="JWT")
    publish_components()
    # sanic-ext's start-up banner links to its own UI page, which we switched off in favour
    # of the offline one at /docs; without this it fails to build that link.
    for extension in app.ext.extensions:
        if extension.name == "openapi":
            # Assigning a method is what the banner's extension point allows (mypy refuses).
            extension.label = lambda: "/docs"  # type: ignore[method-assign]


def db_id(raw: str) -> int:
    """Route type ``<name:id>``: an id that fits our id columns. Anything else (letters, 0,
    negatives, 2**31 and up) does not match the route, so it is a plain 404."""
    value = int(raw)
    if value > MAX_DB_ID:
        raise ValueError("id out of range")
    return value


def declared_handler(route: Any) -> Any:
    """The function a route was declared with (Sanic wraps websocket handlers in a partial)."""
    handler = route.handler
    if getattr(handler, "is_websocket", False):
        return handler.args[0]
    return handler


def _document_websockets(app: App) -> None:
    """sanic-ext finds an operation by the route's handler, which for a websocket is Sanic's
    partial; give the partial the operation documented on the function it wraps."""
    store = OperationStore()
    for route in app.router.routes:
        if getattr(route.handler, "is_websocket", False):
            store[route.handler] = store[declared_handler(route)]


def bind_access_rules(app: App) -> None:
    """Copy each handler's declared rule onto its route, where the middleware reads it.
    sanic-ext's spec route is public by design; anything else undeclared stays denied."""
    declared = {
        (route.path, method): getattr(declared_handler(route), ACCESS_ATTR, None)
        for route in app.router.routes
        for method in route.methods
    }
    for route in app.router.routes:
        route.ctx.websocket = bool(getattr(route.handler, "is_websocket", False))
        rule = getattr(declared_handler(route), ACCESS_ATTR, None)
        if rule is None and route.name.split(".")[1:2] == [OPENAPI_BLUEPRINT]:
            rule = Access.PUBLIC
        elif rule is None and route.methods == {"OPTIONS"}:
            # sanic-ext's automatic CORS preflight: headers only, never data.
            rule = Access.PUBLIC
        elif rule is None and route.methods == {"HEAD"}:
            # sanic-ext's automatic HEAD mirrors the GET beside it, rule included.
            rule = declared.get((route.path, "GET"))
        route.ctx.access = rule


access_logger = logging.getLogger(ACCESS_LOGGER)


def start_clock(request: Request) -> None:
    request.ctx.started = time.perf_counter()
    current_request_id.set(request_id(request))
    current_user_id.set(None)


def bind_user(request: Request) -> None:
    """After the access rule: lines logged from here on name the caller."""
    principal = getattr(request.ctx, "principal", None)
    if principal is not None:
        current_user_id.set(principal.id)


def route_label(request: Request) -> str:
    """The route template (``/api/v1/properties/<id:id>``), never the raw path: ids in
    labels would make a time series per object."""
    return request.uri_template or metrics.UNMATCHED


def record_request(request: Request, response: HTTPResponse) -> None:
    started = getattr(request.ctx, "started", None)
    seconds = time.perf_counter() - started if started is not None else 0.0
    route = route_label(request)
    metrics.request_done(request.method, route, response.status, seconds)
    if request.app.ctx.settings.log_format == "json":  # text mode has Sanic's access log
        access_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status,
            extra={
                **access_fields(request, route),
                "status": response.status,
                "duration_ms": round(seconds * 1000, 2),
            },
        )


def create_app(settings: Settings | None = None, *, name: str = "sheda") -> App:
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_format)
    # In the main process this runs before Sanic serves, which is when it must be done.
    lifecycle.protect_worker_state_store()
    app: App = ShedaSanic(
        name,
        error_handler=JsonErrorHandler(),
        dumps=jsontext.dumps,
        log_config=sanic_log_config(settings.log_format),
    )
    _configure(app, settings)
    app.router.register_pattern("id", db_id, r"^[1-9][0-9]{0,9}$")
    app.ctx.settings = settings
    Extend(app)
    _describe_api(app)
    for bp in BLUEPRINTS:
        app.blueprint(bp)
    _document_websockets(app)

    @app.signal("http.routing.after")
    async def limit_body(request: Request, route: Any, **_: Any) -> None:
        # Sanic has one body limit for the whole server; this sets the route's own before the
        # body is read (a declared Content-Length over it is refused without reading it), so
        # an anonymous login cannot make a worker read and parse 100 MiB.
        if request.stream is None:
            return
        upload = getattr(declared_handler(route), UPLOAD_ATTR, False)
        limit = settings.request_max_size if upload else settings.body_max_size
        request.stream.request_max_size = min(limit, settings.request_max_size)

    @app.main_process_start
    async def refuse_split_chat(app: App) -> None:
        try:
            check_worker_count(settings, app.state.workers)
        except ConfigError as err:  # one clear line for the operator, not a traceback
            raise SystemExit(f"sheda: {err}") from None

    @app.main_process_start
    async def metrics_for_this_run(app: App) -> None:
        # Before any worker starts: they inherit the directory.
        metrics.prepare_server_dir(settings.metrics_dir)
        metrics.process_started("main")

    @app.main_process_stop
    async def metrics_done(app: App) -> None:
        metrics.remove_owned_dir()

    # After sanic-ext (priority -1000) has added its automatic HEAD/OPTIONS routes.
    app.before_server_start(bind_access_rules, priority=BIND_RULES_PRIORITY)

    @app.before_server_start
    async def open_resources(app: App) -> None:
        metrics.ensure_dir()
        metrics.process_started("worker")
        await db.init_db(settings)
        runtime = build_runtime(settings)
        runtime.hub.start()
        runtime.presence.start()
        app.ctx.runtime = runtime
        if settings.jobs_interval and not settings.redis_url:
            # The embedded mode has one worker and an in-process hub: the loop runs here,
            # so its notifications reach this worker's sockets. With Redis it has its own
            # process (main_process_ready below), once per server whatever the workers.
            app.ctx.jobs = jobs_loop.Runner(runtime, settings.jobs_interval)

    @app.after_server_start
    async def tune_collector(app: App) -> None:
        # Only in a real worker: a test's in-process server shares the test runner's
        # process, whose objects must stay collectable.
        if in_sanic_server_process():
            collector.tune_for_serving()

    @app.main_process_ready
    async def say_where_the_docs_are(app: App) -> None:
        announce(app)

    @app.main_process_ready
    async def main_process_signals(app: App) -> None:
        lifecycle.defer_main_process_signals(app.manager)

    @app.main_process_ready
    async def restart_dead_workers(app: App) -> None:
        supervise(app.manager)

    @app.main_process_ready
    async def start_jobs_process(app: App) -> None:
        if settings.jobs_interval and settings.redis_url:
            jobs_process.start(app.manager, settings)

    lifecycle.install(app, settings)

    @app.after_server_stop
    async def close_resources(app: App) -> None:
        jobs: jobs_loop.Runner | None = getattr(app.ctx, "jobs", None)
        if jobs is not None:  # the tick in progress finishes, within the grace period
            await jobs.wait(within=lifecycle.seconds_left(app, reserve=1.0))
        runtime: Runtime | None = getattr(app.ctx, "runtime", None)
        if runtime is not None:
            await close_runtime(runtime, mail_within=lifecycle.seconds_left(app))
        await db.close_db()
        if in_sanic_server_process():  # the process exits next
            metrics.process_ended()

    app.on_request(start_clock, priority=1000)  # first, so the time covers the rest
    app.on_request(enforce_access, priority=100)
    app.on_request(bind_user, priority=99)

    async def request_id_header(request: Request, response: HTTPResponse) -> None:
        response.headers["X-Request-ID"] = request_id(request)

    async def finished_spec(request: Request, response: HTTPResponse) -> None:
        if request.path == SPEC_PATH and response.status == 200 and response.body:
            response.body = jsontext.dumps(finish_spec(jsontext.loads(response.body)))

    app.on_response(request_id_header)
    app.on_response(add_security_headers)
    app.on_response(finished_spec, priority=10)  # before the headers: they leave the body

    app.on_response(record_request, priority=-1000)  # last: the final status

    return app
