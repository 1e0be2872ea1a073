"""Entry point.

``python server.py`` runs the embedded default (SQLite, one worker, no Redis, no SMTP).
``sanic server:app --host 0.0.0.0 --workers N`` serves production from the environment.
Sanic's workers import this module again, so ``app`` is built at module level.
"""

import sys

from sheda.app import create_app
from sheda.config import ConfigError, check_worker_count

try:
    app = create_app()
except ConfigError as err:
    sys.exit(f"sheda: {err}")

if __name__ == "__main__":
    settings = app.ctx.settings
    try:
        check_worker_count(settings, settings.workers)
    except ConfigError as err:
        sys.exit(f"sheda: {err}")
    app.run(
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        access_log=settings.sanic_text_output,
        motd=settings.sanic_text_output,
    )
