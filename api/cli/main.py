"""`websearch`: serve the API, or ask one question from the terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from contextlib import aclosing
from pathlib import Path

from agent.settings import Settings


def _serve(args: argparse.Namespace) -> int:
    from api.ops import event_loop, startup
    from api.ops.logging import configure_logging

    settings = startup.load_settings()
    configure_logging(settings.log_level, settings.log_format)  # start-up lines in the same format
    settings = _bound(settings, args.host)
    try:
        if args.workers > 1:
            _serve_processes(settings, args)
        else:
            event_loop.run(_run_server(settings, args), settings.event_loop)
    except KeyboardInterrupt:
        pass
    return 0


def _bound(settings: Settings, host: str) -> Settings:
    """Bound beyond loopback with no names configured: any Host is answered (api/hosts.py), said once."""
    import logging

    from api.hosts import open_binding

    allowed = open_binding(host, settings.allowed_hosts, settings.public_url)
    if allowed == settings.allowed_hosts:
        return settings
    logging.getLogger("websearch").warning(
        "listening on %s with neither WEBSEARCH_PUBLIC_URL nor WEBSEARCH_ALLOWED_HOSTS set: any Host header is "
        "answered; set one of them to refuse DNS-rebinding requests", host
    )
    return settings.model_copy(update={"allowed_hosts": allowed})


async def _run_server(settings: Settings, args: argparse.Namespace) -> None:
    """Model, store and search are opened (and checked) before the server listens: a failure is one
    line from `main`, not a traceback in uvicorn's lifespan log."""
    import logging

    import uvicorn

    from api.ops import startup
    from api.app import create_app
    from api.ops.server import server_options

    engine = await startup.open_engine(settings)
    # Said once everything opened: a start-up failure stays the one line `main` prints.
    logging.getLogger("websearch").info("event loop: %s", type(asyncio.get_running_loop()).__module__.split(".")[0])
    try:
        # Our JSON request log replaces uvicorn's access lines; its own start/stop lines go through ours.
        config = uvicorn.Config(
            create_app(settings, engine=engine, settle_heap=True),
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            access_log=False,
            log_config=None,
            **server_options(settings),  # timeouts and a concurrency limit (issue 17)
        )
        server = uvicorn.Server(config)
        await server.serve()
        if not server.started:  # e.g. the port is taken: uvicorn has logged why
            raise startup.StartupError(f"could not listen on {args.host}:{args.port}")
    finally:
        await engine.aclose()


def _serve_processes(settings: Settings, args: argparse.Namespace) -> None:
    """`--workers N`: the same checks once, here, then N server processes that each build their own
    app from the environment (its own parse workers and clients)."""
    import uvicorn

    from api.ops import event_loop, startup
    from api.ops.server import server_options

    async def check() -> None:
        await (await startup.open_engine(settings)).aclose()

    asyncio.run(check())
    if settings.allowed_hosts:  # the hosts `_bound` chose, for the spawned workers' own Settings
        settings.export("allowed_hosts")
    uvicorn.run(
        "api.ops.server:served_app",
        factory=True,
        workers=args.workers,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        log_config=None,
        loop=event_loop.chosen(settings.event_loop),
        **server_options(settings, spawned=True),
    )


async def _ask(question: str, search: str, depth: str | None = None) -> int:
    """Stream the answer to stdout as it is written; steps go to stderr, sources follow the answer."""
    from agent.engine import Engine
    from agent.events import Delta, Status
    from agent.state import AgentInput, AgentOutput
    from api.errors import describe

    engine = await Engine.open(Settings())
    agent_in = AgentInput(question=question, conversation_id=uuid.uuid4().hex, search=search, depth=depth)
    output: AgentOutput | None = None
    shown = ""
    try:
        async with aclosing(engine.stream(agent_in)) as run:
            async for item in run:
                if isinstance(item, AgentOutput):
                    output = item
                elif isinstance(item, Delta):
                    shown += item.text
                    print(item.text, end="", flush=True)
                elif isinstance(item, Status) and sys.stderr.isatty():
                    print(f"\r\033[2m{item.line()}\033[0m\033[K", end="", file=sys.stderr, flush=True)
    except Exception as exc:  # one clear line, never a traceback
        _, code, message = describe(exc)
        print(("\n" if shown else "") + f"error ({code}): {message}", file=sys.stderr)
        return 1
    finally:
        await engine.aclose()
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

    from api.cli.progress import Progress

    settings = Settings()
    progress: Progress | None = None

    def on_document(done: int, total: int) -> None:
        nonlocal progress
        if progress is None:
            progress = Progress(total, desc="index", unit="file", redraw_s=0)  # a slow file shows where it stands
        if done:
            progress.update()

    workers = build_workers(settings)  # the files are untrusted bytes too: parsed in workers
    try:
        stats = build_index(
            args.folder,
            args.index or settings.local_index,
            workers=workers,
            document_deadline_s=settings.index_document_deadline_s,
            on_document=on_document,
        )
    except KeyboardInterrupt:
        # Nothing was swapped in: the index on disk is the one before. The pool is not waited for
        # (a file mid-parse could hold it to its deadline): its daemon processes end with this one.
        if progress is not None:
            progress.close(interrupted=True)
        print("websearch index: interrupted; the index was left as it was", file=sys.stderr)
        return 130
    except BaseException:
        workers.close()
        raise
    workers.close()
    if progress is not None:
        progress.close()
    for path, reason in stats.skipped:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    print(f"indexed {stats.documents} documents ({stats.passages} passages) from {stats.source} into {stats.index_dir}")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    """`websearch doctor`: each part of the configuration, ok or what to do; non-zero if any is broken."""
    import logging

    from api.ops import startup
    from api.cli.doctor import render, run_checks, secrets

    logging.getLogger("websearch").setLevel(logging.CRITICAL)  # the report says it once, plainly
    settings = startup.load_settings()
    checks = asyncio.run(run_checks(settings))
    print(render(checks, secrets(settings)))
    return 0 if all(c.ok for c in checks) else 1


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
    from api.slack.bot import run_socket_mode

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(run_socket_mode(settings))
    except KeyboardInterrupt:
        pass
    return 0


def _mcp(args: argparse.Namespace) -> int:
    """`websearch mcp`: the MCP tools over stdio; stdout is the protocol, so logs go to stderr."""
    import logging

    from api.mcp.server import run_stdio

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
    ask.add_argument(
        "--depth", choices=["quick", "auto", "deep"], default=None,
        help="quick: one search; deep: more searches and pages (default: WEBSEARCH_DEFAULT_DEPTH)"
    )

    index = commands.add_parser(
        "index", help="index a folder of HTML, Markdown, text and PDF files for the `local` search provider"
    )
    index.add_argument("folder", metavar="DIR")
    index.add_argument("--index", metavar="PATH", help="where to write the index (default: WEBSEARCH_LOCAL_INDEX)")

    commands.add_parser("doctor", help="check the model, search, store and fetch settings; say what to fix")

    slack = commands.add_parser("slack", help="run the Slack bot over Socket Mode (WEBSEARCH_SLACK_APP_TOKEN)")
    slack.add_argument("--log-level", default="info")

    mcp = commands.add_parser("mcp", help="serve the MCP tools (search, read, ask) over stdio, for desktop agents")
    mcp.add_argument("--log-level", default="warning")

    evaluate = commands.add_parser(
        "eval", help="answer a JSONL file of questions with gold answers; print recall, latency and tokens"
    )
    evaluate.add_argument("file", metavar="FILE", type=Path)
    evaluate.add_argument("--json", metavar="PATH", type=Path, help="also write every figure and record as JSON")
    evaluate.add_argument(
        "--html", metavar="PATH", type=Path, help="also write a self-contained page: figures, latency histogram, every question"
    )

    args = parser.parse_args(argv)
    try:
        if args.command == "eval":
            from api.cli.evaluate import main as evaluate_main

            return evaluate_main(args.file, args.json, Settings(), args.html)
        if args.command == "serve":
            return _serve(args)
        if args.command == "index":
            return _index(args)
        if args.command == "slack":
            return _slack(args)
        if args.command == "doctor":
            return _doctor(args)

        if args.command == "mcp":
            return _mcp(args)
        return asyncio.run(_ask(args.question, args.search, args.depth))
    except Exception as exc:  # start-up failures (model file missing, offline download) in one line
        from api.ops.startup import explain

        if _debug():
            import traceback

            traceback.print_exception(exc, file=sys.stderr)
        print(f"websearch: {explain(exc)}", file=sys.stderr)
        return 1


def _debug() -> bool:
    """WEBSEARCH_LOG_LEVEL=debug: a failure's traceback is shown too."""
    try:
        return Settings().log_level.upper() == "DEBUG"
    except Exception:  # noqa: BLE001 - the settings themselves may be what failed
        return False


if __name__ == "__main__":
    sys.exit(main())
