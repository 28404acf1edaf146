# syntax=docker/dockerfile:1
# One image for web, worker and beat (docker-compose.yml picks the command).
# All configuration comes from the environment at run time; see .env.example.
FROM python:3.11-slim

# PYTHONPATH: the settings find templates/, static/ and locale/ next to the packages
# (BASE_DIR), so the code is imported from /app, not from the copy pip installs.
# WEB_CONCURRENCY: gunicorn's worker count (about 2 x CPU cores + 1); override per host.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=jobcenter.settings.base \
    PYTHONPATH=/app \
    VAR_DIR=/app/var \
    WEB_CONCURRENCY=3

WORKDIR /app

# WeasyPrint (the citizen's letter and the DPO's reports as PDF) needs Pango.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, from the pins in pyproject.toml, so a code change reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# The project itself, runtime dependencies only (no dev extras).
RUN pip install . \
    && rm -rf build ./*.egg-info

RUN pybabel compile --domain=django --directory=locale

# Static files, with DJANGO_ENV unset so no secrets are needed at build time. Production
# serves hashed names from a manifest (whitenoise), so that storage backend is switched
# on for this one command; the default development backend writes no manifest.
RUN python - <<'EOF'
import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

storages = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
with override_settings(STORAGES=storages):
    call_command("collectstatic", "--noinput", verbosity=0)
EOF

RUN python -m compileall -q /app

# The code stays owned by root (read-only to the app); only var/ is writable.
RUN groupadd --system --gid 10001 jobcenter \
    && useradd --system --uid 10001 --gid jobcenter --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin jobcenter \
    && mkdir -p /app/var/audit-checkpoints \
    && chown -R jobcenter:jobcenter /app/var
USER jobcenter

EXPOSE 8000

# /healthz answers 200 while the database is up (even with the broker down), 503 when it
# is down. The Host header comes from ALLOWED_HOSTS, or Django would answer 400.
# Worker and beat containers override or disable this (docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=10s --start-period=40s --retries=3 \
    CMD python -c 'import os, urllib.request as r; hosts = [h.strip().lstrip(".") for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip() not in ("", "*")]; r.urlopen(r.Request("http://127.0.0.1:8000/healthz", headers={"Host": hosts[0] if hosts else "localhost"}), timeout=5)' || exit 1

# gunicorn's settings, its access log with CPR numbers masked included: jobcenter/gunicorn_conf.py.
CMD ["gunicorn", "-c", "python:jobcenter.gunicorn_conf", "jobcenter.wsgi:application"]
