# Debrief in one container, following Streamlit's deployment guide (docs/deploy.md):
#   docker build -t debrief .
#   docker run -p 8501:8501 -v debrief-data:/data \
#     -v "$PWD/.streamlit/secrets.toml:/app/.streamlit/secrets.toml:ro" debrief
# The database is the DuckDB file /data/debrief.duckdb on a volume; set DEBRIEF_DB (and
# DEBRIEF_DATA_PATH) to a DuckLake catalog on PostgreSQL to run several replicas (compose.yaml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A user without privileges runs the app; /data (the volume) belongs to it.
RUN useradd --create-home --uid 10001 debrief \
    && mkdir -p /data \
    && chown debrief:debrief /data

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY --chown=10001:10001 . .

USER 10001
ENV DEBRIEF_DB=/data/debrief.duckdb \
    DEBRIEF_EXTENSION_DIR=/home/debrief/.cache/debrief/duckdb-extensions
VOLUME ["/data"]
EXPOSE 8501

# Streamlit answers "ok" on /_stcore/health; python instead of curl keeps apt out of the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8501/_stcore/health', timeout=4)"]

CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true"]
