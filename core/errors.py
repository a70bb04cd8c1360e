"""The project's one error tree.

Every failure a caller can act on is a `WebsearchError`: a `kind` (what went wrong, in terms a
surface can act on), the `backend` it names when a part of the service is at fault (the model
server, the search provider, Redis, a page's host), a stable machine `code` and a one-line message.
Lower packages (agent/, search/, inference/) raise these and never choose an HTTP status: only the
surfaces (api/) turn a kind into a status code, a Slack line or the web chat's words.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    BAD_REQUEST = "bad_request"  # the caller's input cannot be used as it is
    NOT_FOUND = "not_found"  # what the caller named does not exist (a model, a conversation)
    TOO_LARGE = "too_large"  # the input, or what it would make, is over a limit
    REFUSED = "refused"  # a policy says no (a private address, another key's conversation)
    UNAVAILABLE = "unavailable"  # a backend is down, refuses, or fails
    TIMEOUT = "timeout"  # a backend is too slow
    RATE_LIMITED = "rate_limited"  # a backend asks us to slow down


class WebsearchError(Exception):
    """Base of every error the project raises on purpose."""

    kind: ErrorKind = ErrorKind.UNAVAILABLE  # subclasses set their usual kind; an instance may differ
    code: str = "error"  # stable machine code, part of the JSON error body

    def __init__(
        self,
        message: str,
        *,
        backend: str | None = None,
        kind: ErrorKind | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.backend = backend
        if kind is not None:
            self.kind = kind
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        # "vLLM at http://gpu:8000/v1: no answer within 120s": the backend first, as logs always showed it.
        return f"{self.backend}: {self.message}" if self.backend else self.message

    def __reduce__(self):
        # Subclasses take other positional arguments than `args` holds (a backend, a cause): rebuild
        # from the state, so that copy and pickle (a thread or process boundary) keep working.
        return _rebuild, (type(self), self.args, self.__dict__)


def _rebuild(cls: type[WebsearchError], args: tuple, state: dict) -> WebsearchError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error
