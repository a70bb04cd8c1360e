# The API image: slim, non-root, dependencies locked and in their own cached layer. It talks to vLLM
# over HTTP (compose.yaml, deploy/kubernetes), so the embedded llama.cpp backend is not installed here.
FROM python:3.11.13-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Dependencies first, exactly as locked (versions and hashes): this layer is rebuilt only when the
# lock changes. Regenerate it after editing pyproject.toml (docs/operations.md, "Rollout"):
#   uv pip compile pyproject.toml --python-version 3.11 --universal --generate-hashes -o requirements.lock
COPY requirements.lock ./
RUN pip install -r requirements.lock --require-hashes

# The project itself (README.md is its package description: here, not in the dependency layer).
COPY pyproject.toml README.md ./
COPY core ./core
COPY agent ./agent
COPY search ./search
COPY inference ./inference
COPY prompts ./prompts
COPY api ./api
RUN pip install --no-deps . && useradd --create-home --uid 10001 websearch
USER websearch
EXPOSE 8080
# Docker's own check: the process answers (the drain turns readiness, not this, to 503).
HEALTHCHECK --interval=15s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"
CMD ["websearch", "serve", "--host", "0.0.0.0", "--port", "8080"]
