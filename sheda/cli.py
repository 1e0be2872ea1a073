"""The `sheda` command: serve, migrate, promote, create-admin, seed-demo, jobs run-once."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path

from sheda.config import ConfigError, Settings, check_worker_count, load_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "aerich_migrations"


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    from sheda.app import create_app

    settings = settings.with_overrides(
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
    )
    check_worker_count(settings, settings.workers)
    loader = AppLoader(factory=partial(create_app, settings))
    app = loader.load()
    app.prepare(
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        access_log=settings.sanic_text_output,
        motd=settings.sanic_text_output,
    )
    Sanic.serve(primary=app, app_loader=loader)


async def _with_db(settings: Settings, work: Callable[[], Awaitable[None]]) -> None:
    from sheda import db

    await db.init_db(settings, create_schema=False)
    try:
        await work()
    finally:
        await db.close_db()


async def _migrate(settings: Settings, location: Path) -> None:
    from sheda import db

    if not settings.uses_postgres:
        # aerich's migrations are PostgreSQL SQL; the embedded database follows the models.
        await db.init_db(settings, create_schema=True)
        await db.close_db()
        print("sqlite: schema created from the models")
        return
    from aerich import Command

    command = Command(
        tortoise_config=db.tortoise_config(settings.database_url),
        app="models",
        location=str(location),
    )
    await command.init()
    applied = await command.upgrade(run_in_transaction=True)
    await db.close_db()
    print("applied: " + ", ".join(applied) if applied else "database is up to date")


async def _set_role(settings: Settings, email: str, role: str) -> None:
    from sheda.users.models import Role, User

    async def work() -> None:
        updated = await User.filter(email=email.lower(), deleted_at=None).update(role=Role(role))
        if not updated:
            raise SystemExit(f"sheda: no account with email {email}")
        print(f"{email} is now {role}; tokens issued from now on carry the new scope")

    await _with_db(settings, work)


async def _create_admin(settings: Settings, email: str, password: str) -> None:
    from sheda.security.passwords import hash_password
    from sheda.users.models import Role, User

    async def work() -> None:
        password_hash = await hash_password(password, settings.bcrypt_rounds)
        user = await User.get_or_none(email=email.lower(), deleted_at=None)
        if user is None:
            await User.create(
                email=email.lower(),
                password_hash=password_hash,
                role=Role.ADMIN,
                verified=True,
            )
            print(f"created admin {email}")
        else:
            await User.filter(id=user.id).update(
                role=Role.ADMIN, password_hash=password_hash, is_active=True
            )
            print(f"{email} existed: now admin, password replaced")

    await _with_db(settings, work)


async def _jobs_run_once(settings: Settings) -> None:
    from sheda.jobs.loop import tick
    from sheda.runtime import build_runtime, close_runtime

    async def work() -> None:
        # With SHEDA_REDIS_URL set, its notifications reach the users' open sockets.
        runtime = build_runtime(settings)
        try:
            results = await tick(runtime)
        finally:
            await close_runtime(runtime)
        for name, changed in results.items():
            print(f"{name}: " + ("failed (see the log)" if changed is None else f"{changed}"))
        if None in results.values():
            raise SystemExit(1)

    await _with_db(settings, work)


async def _seed_demo(settings: Settings, args: argparse.Namespace) -> None:
    from sheda.demo.seed import DemoError, seed_demo

    logging.getLogger("tortoise").setLevel(logging.WARNING)  # the summary is the output
    try:
        done = await seed_demo(settings, listings=args.listings, seed=args.seed, reset=args.reset)
    except DemoError as err:
        raise SystemExit(f"sheda: {err}") from None
    if done.removed_accounts:
        print(f"removed the previous demo data ({done.removed_accounts} accounts)")
    print(
        f"demo data (seed {args.seed}): 1 admin, {done.agents} agents with agencies and "
        f"payment accounts, {done.clients} clients\n"
        f"  {done.listings} listings in {done.cities} cities, {done.photos} photos under "
        f"{done.media_dir}\n"
        f"  {done.favourites} favourites, {done.inquiries} inquiries with {done.notes} notes\n"
        f"  {done.conversations} chats between clients and agents with {done.messages} "
        "messages\n"
        f"  {done.viewings} viewings and {done.contracts} contracts (active behind every rented "
        "or sold listing, two under way)\n"
        "sign in with any demo account; they all share one password:\n"
        f"  admin:    {done.admin_email}\n"
        f"  agents:   {', '.join(done.agent_emails)}\n"
        f"  clients:  {done.client_emails[0]} ... {done.client_emails[-1]}\n"
        f"  password: {done.password}"
    )


def _listing_count(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError("a whole number between 1 and 100000") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("between 1 and 100000")
    return value


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password for the admin: ")
    if not 8 <= len(password) <= 128:
        raise SystemExit("sheda: the password must have 8 to 128 characters")
    return password


DESCRIPTION = (
    "Sheda, a real-estate platform backend: run the server and look after its database.\n"
    "Settings come from SHEDA_* environment variables (README, \"Settings\"). With none\n"
    "set, everything runs embedded under ./data: SQLite, in-process chat, mail written\n"
    "to ./data/outbox."
)
EPILOG = (
    "examples:\n"
    "  sheda serve                 the server on http://127.0.0.1:8000 (docs at /docs)\n"
    "  sheda seed-demo             demo accounts, listings and chats for a frontend\n"
    "  sheda promote a@b.example   make an account an admin\n"
    "  sheda <command> --help      what a command takes"
)


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str
) -> argparse.ArgumentParser:
    # The summary is both the line in `sheda --help` and the description of `sheda NAME --help`.
    return sub.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sheda",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = _command(sub, "serve", "run the HTTP and websocket server")
    serve.add_argument("--host", help="default SHEDA_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default SHEDA_PORT or 8000")
    serve.add_argument("--workers", type=int, help="default SHEDA_WORKERS or 1")

    migrate = _command(sub, "migrate", "bring the database schema up to date")
    migrate.add_argument(
        "--location", type=Path, default=MIGRATIONS_DIR, help="the aerich migrations folder"
    )

    promote = _command(sub, "promote", "set an account's role")
    promote.add_argument("email", help="the account's email")
    promote.add_argument(
        "--role", choices=["admin", "moderator", "user"], default="admin", help="default admin"
    )

    admin = _command(sub, "create-admin", "create (or reset) an admin account")
    admin.add_argument("email", help="the admin's email (the account is created if missing)")
    admin.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )

    demo = _command(
        sub,
        "seed-demo",
        "fill the database with demo accounts, listings, photos, favourites, leads and chats",
    )
    demo.add_argument("--listings", type=_listing_count, default=300, help="default 300")
    demo.add_argument("--seed", type=int, default=42, help="same seed, same data (default 42)")
    demo.add_argument(
        "--reset",
        action="store_true",
        help="replace existing demo data (accounts @demo.sheda.local and what hangs off them)",
    )
    jobs = _command(sub, "jobs", "the background loop's jobs")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True, metavar="{run-once}")
    _command(
        jobs_sub,
        "run-once",
        "run every job once now (expire contracts, cancel stale viewings, purge expired codes "
        "and sessions) and print what each changed",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command != "serve":  # the server's processes set up their own logging (app.py)
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
    try:
        settings = load_settings()
        if args.command == "serve":
            _serve(settings, args)
        elif args.command == "migrate":
            asyncio.run(_migrate(settings, args.location))
        elif args.command == "promote":
            asyncio.run(_set_role(settings, args.email, args.role))
        elif args.command == "create-admin":
            asyncio.run(_create_admin(settings, args.email, _read_password(args)))
        elif args.command == "seed-demo":
            asyncio.run(_seed_demo(settings, args))
        elif args.command == "jobs":
            asyncio.run(_jobs_run_once(settings))
    except ConfigError as err:
        raise SystemExit(f"sheda: {err}") from None


if __name__ == "__main__":
    main()
