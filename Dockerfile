# The API image: slim, non-root, dependencies in their own cached layer. It talks to vLLM over
# HTTP (compose.yaml), so the embedded llama.cpp backend is not installed here.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN python - <<'PY' > /tmp/requirements.txt
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))
PY
RUN pip install -r /tmp/requirements.txt

COPY core ./core
COPY agent ./agent
COPY search ./search
COPY inference ./inference
COPY prompts ./prompts
COPY api ./api
RUN pip install --no-deps . && useradd --create-home --uid 10001 websearch
USER websearch
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"
CMD ["websearch", "serve", "--host", "0.0.0.0", "--port", "8080"]
