"""`websearch`: serve the API, or ask one question from the terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from contextlib import aclosing

from agent.settings import Settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    # Our JSON request log replaces uvicorn's access lines; its own start/stop lines go through ours.
    # Several worker processes need the app as an import string: each builds its own from the
    # environment (and its own parse workers).
    app = "api.app:create_app" if args.workers > 1 else create_app(Settings())
    uvicorn.run(
        app,
        factory=args.workers > 1,
        workers=args.workers,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        log_config=None,
    )
    return 0


async def _ask(question: str, search: str) -> int:
    """Stream the answer to stdout as it is written; steps go to stderr, sources follow the answer."""
    from agent.deps import build_deps
    from agent.events import Delta, Status
    from agent.graph import build_graph
    from agent.run import stream_run
    from agent.state import AgentInput, AgentOutput
    from api.errors import describe

    deps = await asyncio.to_thread(build_deps, Settings())
    agent_in = AgentInput(question=question, conversation_id=uuid.uuid4().hex, search=search)
    output: AgentOutput | None = None
    shown = ""
    try:
        async with aclosing(stream_run(build_graph(), deps, agent_in)) as run:
            async for item in run:
                if isinstance(item, AgentOutput):
                    output = item
                elif isinstance(item, Delta):
                    shown += item.text
                    print(item.text, end="", flush=True)
                elif isinstance(item, Status) and sys.stderr.isatty():
                    print(f"\r\033[2m{item.stage} {item.detail}\033[0m\033[K", end="", file=sys.stderr, flush=True)
    except Exception as exc:  # one clear line, never a traceback
        _, code, message = describe(exc)
        print(("\n" if shown else "") + f"error ({code}): {message}", file=sys.stderr)
        return 1
    finally:
        await deps.aclose()
    assert output is not None
    if output.answer != shown:  # nothing streamed (or a late search call): print the final text
        print(("\n" if shown else "") + output.answer, end="")
    print()
    if output.sources:
        print()
        for source in output.sources:
            print(f"[{source.index}] {source.title} — {source.url}")
    return 0


def _index(args: argparse.Namespace) -> int:
    """`websearch index DIR [--index PATH]`: build the local provider's BM25 index over a folder."""
    import logging

    from search.index import build_index

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a broken PDF is reported once, below
    from agent.deps import build_workers

    settings = Settings()
    with build_workers(settings) as workers:  # the files are untrusted bytes too: parsed in workers
        stats = build_index(
            args.folder,
            args.index or settings.local_index,
            workers=workers,
            document_deadline_s=settings.index_document_deadline_s,
        )
    for path, reason in stats.skipped:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    print(f"indexed {stats.documents} documents ({stats.passages} passages) from {stats.source} into {stats.index_dir}")
    return 0


def _slack(args: argparse.Namespace) -> int:
    """`websearch slack`: the Slack bot over Socket Mode (no public URL needed)."""
    import logging

    settings = Settings()
    needed = (("bot", "the bot token (xoxb-…)"), ("app", "an app-level token (xapp-…) with connections:write"))
    for name, what in needed:
        if not getattr(settings, f"slack_{name}_token"):
            variable = f"WEBSEARCH_SLACK_{name.upper()}_TOKEN"
            print(f"websearch slack: {variable} is not set: Socket Mode needs {what}", file=sys.stderr)
            return 2
    from api.slack import run_socket_mode

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(run_socket_mode(settings))
    except KeyboardInterrupt:
        pass
    return 0


def _mcp(args: argparse.Namespace) -> int:
    """`websearch mcp`: the MCP tools over stdio; stdout is the protocol, so logs go to stderr."""
    import logging

    from api.mcp_server import run_stdio

    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(run_stdio(Settings()))
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="websearch", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP API and web chat")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--workers", type=int, default=1, help="server processes (each with its own parse workers)")

    ask = commands.add_parser("ask", help="answer one question, then list its sources")
    ask.add_argument("question")
    ask.add_argument("--search", choices=["auto", "always", "never"], default="auto")

    index = commands.add_parser(
        "index", help="index a folder of HTML, Markdown, text and PDF files for the `local` search provider"
    )
    index.add_argument("folder", metavar="DIR")
    index.add_argument("--index", metavar="PATH", help="where to write the index (default: WEBSEARCH_LOCAL_INDEX)")

    slack = commands.add_parser("slack", help="run the Slack bot over Socket Mode (WEBSEARCH_SLACK_APP_TOKEN)")
    slack.add_argument("--log-level", default="info")

    mcp = commands.add_parser("mcp", help="serve the MCP tools (search, read, ask) over stdio, for desktop agents")
    mcp.add_argument("--log-level", default="warning")

    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "index":
            return _index(args)
        if args.command == "slack":
            return _slack(args)
        if args.command == "mcp":
            return _mcp(args)
        return asyncio.run(_ask(args.question, args.search))
    except Exception as exc:  # start-up failures (model file missing, offline download) in one line
        message = getattr(exc, "message", None) or str(exc)
        print(f"websearch: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
