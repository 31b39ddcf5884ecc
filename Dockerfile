FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# TrueType fonts ReportLab embeds so clients' names print in every script (reports/fonts.py).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    fonts-droid-fallback fonts-nanum fonts-noto-core fonts-symbola && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY clinic clinic
COPY sessions sessions
COPY assessments assessments
COPY reports reports
COPY manage.py ./
# gunicorn is one of Attune's dependencies.
RUN pip install --no-cache-dir .
# Collect static files with the production settings (DEBUG off), as the server runs, so the
# manifest it reads exists. The key only satisfies the settings check and is thrown away.
RUN DEBUG=false SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    python manage.py collectstatic --noinput -v0 \
    && test -f /app/staticfiles/staticfiles.json
RUN useradd --system --home /app attune && mkdir -p /app/var && chown attune /app/var
USER attune
EXPOSE 8000
# Each process counts its Prometheus metrics into files here; /metrics adds them up
# (clinic/gunicorn_conf.py). Set before any process starts, as prometheus_client requires.
ENV PROMETHEUS_MULTIPROC_DIR=/tmp/attune-metrics
CMD ["gunicorn", "-c", "python:clinic.gunicorn_conf", "clinic.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
