"""Equivalent mutants of the auth-scoping row."""

from __future__ import annotations

_KEY_ALWAYS_PRESENT = "with keys configured, a request reaching this has passed require_api_key: its key is never None"
_SAME_PER_TRANSCRIPT = "the hash differs, per transcript alike"

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    ("auth-scoping", "api/auth.py", "key_in_headers", "operand dropped: None"):
        "an empty X-API-Key ('' instead of None) matches no key either: 401 all the same",
    ("auth-scoping", "api/auth.py", "key_digest", "operand dropped: ''"): _KEY_ALWAYS_PRESENT,
    ("auth-scoping", "api/openai_compat/conversation.py", "conversation_key", "False -> True"): f"ensure_ascii: {_SAME_PER_TRANSCRIPT}",
    ("auth-scoping", "api/openai_compat/conversation.py", "conversation_key", "40 -> 41"): "how much of the hash names the entry",
    ("auth-scoping", "api/openai_compat/conversation.py", "Conversation.__init__", "operand dropped: self.explicit"):
        "with an explicit id, prepare and file use that id and return before the run id is read",
    ("auth-scoping", "api/openai_compat/conversation.py", "Conversation.file", "operand dropped: self.loaded_from != key"):
        "the key filed under hashes a transcript two messages longer than the one loaded from: never the same key",
}
