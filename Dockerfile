# Production image: PostgreSQL + Redis from the environment, N workers, non-root.
#   docker build -t sheda .
#   docker run -e SHEDA_SECRET_KEY=... -e SHEDA_DATABASE_URL=postgres://... \
#              -e SHEDA_REDIS_URL=redis://... -p 8000:8000 sheda
#   docker run ... sheda sheda migrate      (once per release, before the new workers)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SHEDA_ENV=production \
    SHEDA_HOST=0.0.0.0 \
    SHEDA_PORT=8000 \
    SHEDA_WORKERS=2 \
    SHEDA_DATA_DIR=/var/lib/sheda

WORKDIR /app
COPY pyproject.toml README.md ./
COPY sheda ./sheda
RUN pip install .
COPY server.py ./
COPY aerich_migrations ./aerich_migrations

RUN useradd --system --uid 10001 --home /var/lib/sheda sheda \
    && mkdir -p /var/lib/sheda/media /var/lib/sheda/outbox \
    && chown -R sheda /var/lib/sheda
USER sheda
VOLUME ["/var/lib/sheda/media"]
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import os,sys,urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('SHEDA_PORT', '8000'), timeout=2).status == 200 else 1)"

# SIGTERM drains and exits within SHEDA_GRACEFUL_TIMEOUT (15 s): give `docker stop -t 20`
# (Docker kills after 10 s by default).
STOPSIGNAL SIGTERM
CMD ["sheda", "serve"]
