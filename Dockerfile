# The portal's image: the same for web, worker and beat (docker-compose.yml).
# Browser libraries (Chart.js) come from the npm registry at build time, never from a CDN at run time.
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# pg_dump / pg_restore for manage.py backup and restore: Debian 12's client is PostgreSQL 15, as the server.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
COPY --from=assets /assets/node_modules ./node_modules
RUN pip install --no-cache-dir . \
    && DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN mkdir -p /app/media /app/audit-archive /backups && useradd --system jiedao \
    && chown -R jiedao /app /backups
USER jiedao
EXPOSE 8000
CMD ["gunicorn", "jiedao.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", \
     "--logger-class", "jiedao.gunicorn_logging.RedactingLogger"]
