# The bot with its model trained at build time.
#   docker build -t caregiver-bot .
#   polling, one machine:  docker run -e TELEGRAM_BOT_TOKEN=... -e HASH_SALT=... -v botdata:/app/data caregiver-bot
#   webhooks, many:        docker compose up -d   (docker-compose.yml; README "Deploy")
FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    MPLCONFIGDIR=/tmp/matplotlib \
    LISTEN_HOST=0.0.0.0 \
    PORT=8080

WORKDIR /app
RUN useradd --no-log-init --create-home --uid 10001 --user-group bot

# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
# Translations and the model are built into the image: the container needs no network but Telegram's.
RUN pybabel compile -d locale \
    && python -m bot train \
    && rm -rf .rasa \
    && mkdir -p data \
    && chown 10001:10001 data

USER 10001:10001
EXPOSE 8080
# Webhook mode: the bot's own /healthz. Polling mode: the heartbeat its background loop writes.
HEALTHCHECK --interval=30s --timeout=10s --start-period=180s --retries=3 \
    CMD ["python", "-m", "bot", "healthcheck"]
CMD ["python", "-m", "bot", "run"]
