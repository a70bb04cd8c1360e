"""Equivalent mutants of the limits row."""

from __future__ import annotations

_LAST_RESORT = ("the app's own exception handlers answer a BodyTooLarge raised while a route reads its body (tested: "
                "/v1 declared and chunked, /mcp chunked): this path is for one raised outside them, which no route here does")

EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    **{
        ("limits", "api/limits.py", "BodyLimit.__call__", description): "uvicorn (h11, httptools) answers 400 to a "
        "Content-Length that is not a number before the app sees the request (tested: still a 400)"
        for description in ("call removed: await self._refuse(send, 400, 'b…-Length is not a number')", "400 -> 401")
    },
    **{
        (("limits", "api/limits.py", scope, description)): _LAST_RESORT
        for scope, description in (
            ("BodyLimit.__call__", "False -> True"),
            ("BodyLimit.__call__.tracking_send", "message['type'] == 'http.response.start': Eq -> NotEq"),
            ("BodyLimit.__call__.tracking_send", "started or message['type'] == 'http.response.start': Or -> And"),
            ("BodyLimit.__call__.tracking_send", "operand dropped: started"),
            ("BodyLimit.__call__.tracking_send", "operand dropped: message['type'] == 'http.response.start'"),
            ("BodyLimit.__call__", "guard removed: if started"),
            ("BodyLimit.__call__", "call removed: await self._refuse(send, 413, 'r…_large', str(exc.detail))"),
            ("BodyLimit.__call__", "413 -> 414 #2"),
        )
    },
}
