# Image for the `api` and `seed` services of docker-compose.yml and compose.dev.yml.
# Base pinned to an exact Python release on a named Debian release; bump both on purpose.
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements ./requirements
COPY api ./api
COPY schema ./schema
COPY seed ./seed
# Installed as root into the system site-packages, so the service user can read but not
# change the code. A fixed numeric id lets orchestrators check "runs as non-root".
# With the tracing extra: traces stay off (and cost nothing) until
# OTEL_EXPORTER_OTLP_ENDPOINT is set.
RUN pip install -c requirements/constraints.txt ".[tracing]" \
    && rm -rf /app/build /app/*.egg-info \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin ecei
USER 10001:10001

ENV ECEI_HOST=0.0.0.0 ECEI_PORT=8000 ECEI_ENV=production
EXPOSE 8000

# Liveness only (/healthz: the process answers). Readiness, which pings the database, is
# /readyz: the reverse proxy routes on it, see deploy/haproxy.cfg.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('ECEI_PORT', '8000') + '/healthz', timeout=2)"]

CMD ["ecei", "serve"]
