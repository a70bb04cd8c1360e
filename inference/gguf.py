"""Finding the embedded backend's GGUF: the Hugging Face cache first, then a download (with a
progress bar), after one short probe so that offline fails in seconds, in one line."""

from __future__ import annotations

from pathlib import Path

from inference.base import LLMUnavailable, ModelNotFound

HOW_TO_POINT = "set WEBSEARCH_LLM_GGUF=/path/model.gguf or WEBSEARCH_LLM_BASE_URL=http://host:8000/v1"


def download_gguf(repo: str, filename: str) -> str:
    """The GGUF's path in the Hugging Face cache, downloading it the first time (with a progress bar)."""
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError, RepositoryNotFoundError
    except ImportError as exc:
        raise LLMUnavailable(
            "llama.cpp", f"huggingface_hub is not installed, cannot fetch {repo}; {HOW_TO_POINT}"
        ) from exc
    if cached := cached_gguf(repo, filename):
        return cached  # no network at all: starts offline, and without a HEAD request to the Hub
    probe_hub()
    try:
        return hf_hub_download(repo_id=repo, filename=filename)
    # LocalEntryNotFoundError (offline, not cached) subclasses EntryNotFoundError: catch it first.
    except LocalEntryNotFoundError as exc:
        raise LLMUnavailable(
            "llama.cpp",
            f"{repo}/{filename} is not in the Hugging Face cache and cannot be downloaded (offline?); {HOW_TO_POINT}",
        ) from exc
    except (RepositoryNotFoundError, EntryNotFoundError) as exc:
        raise ModelNotFound(
            "llama.cpp", f"{repo}/{filename} does not exist on the Hugging Face Hub; {HOW_TO_POINT}"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - network errors come from several libraries
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise LLMUnavailable("llama.cpp", f"cannot download {repo}/{filename} ({reason}); {HOW_TO_POINT}") from exc


def cached_gguf(repo: str, filename: str) -> str | None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo_id=repo, filename=filename)
    return found if isinstance(found, str) and Path(found).is_file() else None


def probe_hub(timeout_s: float = 3.0) -> None:
    """One short TCP connect to the Hub before downloading: offline fails in seconds, in one line,
    instead of after the download's own retries. Skipped behind a proxy (the connect would not tell)
    and when HF_HUB_OFFLINE is set (the download then fails at once by itself)."""
    import socket
    import urllib.request
    from urllib.parse import urlsplit

    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE or urllib.request.getproxies().get("https"):
        return
    endpoint = urlsplit(constants.ENDPOINT)
    host = endpoint.hostname or "huggingface.co"
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise LLMUnavailable(
            "llama.cpp",
            f"the model is not downloaded yet and {constants.ENDPOINT} cannot be reached ({reason}); {HOW_TO_POINT}",
        ) from exc
