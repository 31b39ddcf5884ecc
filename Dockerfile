FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY clinic clinic
COPY sessions sessions
COPY assessments assessments
COPY reports reports
COPY manage.py ./
RUN pip install --no-cache-dir . gunicorn==23.* && useradd --system --home /app attune \
    && mkdir -p /app/var && chown attune /app/var
USER attune
RUN DEBUG=true python manage.py collectstatic --noinput -v0
EXPOSE 8000
CMD ["gunicorn", "clinic.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
