# article-qa-bot: the Telegram bot in a container (README, "Deploying").
#   docker build -t article-qa-bot .
#   docker run --env-file .env -v corpus:/app/corpus -v data:/app/data article-qa-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The bot never runs as root: a system user owning only the two folders it writes.
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --no-create-home --shell /usr/sbin/nologin bot

WORKDIR /app

# The bot and its dependencies, pinned by constraints.txt. setup.py packs corpus/ into
# the package as the sample articles.
COPY pyproject.toml setup.py constraints.txt README.md ./
COPY bot ./bot
COPY corpus ./corpus
# "[opensearch]" adds the OpenSearch client, for SEARCH_ENGINE=opensearch
# (docker build --build-arg EXTRAS=[opensearch] .; README, "OpenSearch backend").
ARG EXTRAS=""
RUN pip install --no-cache-dir -c constraints.txt ".${EXTRAS}"

# The same articles seed the corpus volume the first time it is mounted empty.
RUN mkdir -p /app/data && chown -R bot:bot /app/corpus /app/data

USER 10001:10001

# Absolute folders: the installed package is not a checkout, so nothing may be relative
# to it. METRICS_LISTEN is what the HEALTHCHECK below asks.
ENV CORPUS_DIR=/app/corpus \
    DATA_DIR=/app/data \
    METRICS_LISTEN=0.0.0.0:9100

VOLUME ["/app/corpus", "/app/data"]
# 9100: /healthz and /metrics; 8443: the webhook server, when WEBHOOK_URL is set.
EXPOSE 9100 8443

# Healthy: index loaded and Telegram answered within two minutes (503 otherwise).
# The first start builds the index (and embeds the passages): give it time.
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9100/healthz', timeout=4)"]

# SIGTERM (docker stop) ends it cleanly; without TELEGRAM_BOT_TOKEN it exits 1 at once.
CMD ["article-qa-bot", "run"]
