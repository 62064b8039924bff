"""The ``wegweiser`` command: run | chat | ask | kb check | kb add-phrasing | db upgrade |
report."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.adapters.embedder import DiskStore, embed_in_child, load_embedder
from bot.adapters.terminal_chat import TerminalChat
from bot.core.assistant import Assistant, Reply
from bot.core.insights import Chart, Figures
from bot.core.knowledge import (
    KnowledgeBase,
    check_knowledge_base,
    format_report,
    load_knowledge_base,
)
from bot.core.languages import LANGS, Lang, as_lang
from bot.errors import ConfigurationError, KnowledgeBaseError
from bot.settings import LOG_FORMAT, Settings, load_settings


def _lang(code: str) -> Lang:
    lang = as_lang(code)
    if lang is None:
        raise argparse.ArgumentTypeError(f"unknown language '{code}' (one of {', '.join(LANGS)})")
    return lang


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wegweiser", description="Multilingual assistant of a Kommunales Integrationszentrum."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the bot (the terminal chat without a token)")
    run.add_argument("--kb", type=Path, help="knowledge base folder (default: WEGWEISER_KB)")

    chat = commands.add_parser("chat", help="talk to the assistant in the terminal")
    chat.add_argument("--kb", type=Path, help="knowledge base folder (default: WEGWEISER_KB)")
    chat.add_argument("--lang", type=_lang, help="answer in this language (de, en, tr, …)")

    ask = commands.add_parser("ask", help="answer questions; '-' reads one per line from stdin")
    ask.add_argument("--kb", type=Path, help="knowledge base folder (default: WEGWEISER_KB)")
    ask.add_argument("--lang", type=_lang, help="answer in this language instead of detecting it")
    ask.add_argument("--hint", help="language hint, e.g. a Telegram language_code")
    ask.add_argument("--json", action="store_true", help="print one JSON object per line")
    ask.add_argument("question", nargs="+", help="the question, or '-' for stdin")

    kb = commands.add_parser("kb", help="knowledge base tools")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_commands.add_parser("check", help="validate a knowledge base (or a folder of them)")
    check.add_argument("directory", nargs="?", type=Path, help="default: WEGWEISER_KB")
    phrasing = kb_commands.add_parser(
        "add-phrasing", help="add a question to an entry's phrasings (checked, one-line diff)"
    )
    phrasing.add_argument("entry", help="the entry's id, e.g. tutoring")
    phrasing.add_argument("lang", type=_lang, help="the question's language (de, en, tr, …)")
    phrasing.add_argument("text", help="the question, in quotes")
    phrasing.add_argument("--kb", type=Path, help="knowledge base folder (default: WEGWEISER_KB)")

    db = commands.add_parser("db", help="database tools")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the migrations (WEGWEISER_DATABASE_URL)")

    report = commands.add_parser("report", help="the staff's statistics (WEGWEISER_DATABASE_URL)")
    report.add_argument("--since", default="30d", help="the last days or weeks: 7d, 30d, 12w")
    report.add_argument("--format", choices=("text", "csv", "png"), default="text")
    report.add_argument("--output", type=Path, help="write to this file (png: report.png)")
    return parser


def _assistant(kb_dir: Path | None) -> Assistant:
    """The assistant for *kb_dir* (else WEGWEISER_KB), with the embedding model unless off."""
    settings = load_settings()
    kb = load_knowledge_base(kb_dir or settings.kb)
    embedder = load_embedder() if settings.semantic else None
    # Many texts not embedded yet (a first start, a new knowledge base): in a child process.
    store = DiskStore(settings.cache_dir, embed_in_child) if embedder is not None else None
    return Assistant.for_knowledge_base(kb, embedder=embedder, store=store)


def _questions(args: argparse.Namespace) -> Iterable[str]:
    if args.question == ["-"]:
        return (line.rstrip("\n") for line in sys.stdin)
    return [" ".join(args.question)]


def _plain(reply: Reply) -> str:
    text = " ".join(reply.text.split())
    if reply.suggestions:
        picks = "; ".join(f"[{n}] {s.title}" for n, s in enumerate(reply.suggestions, start=1))
        text = f"{text} {picks}"
    return text


def command_ask(args: argparse.Namespace) -> int:
    """Answer one question, or one per input line."""
    assistant = _assistant(args.kb)
    for question in _questions(args):
        reply = assistant.reply(question, lang=args.lang, hint=args.hint)
        if args.json:
            print(json.dumps(reply.to_json(), ensure_ascii=False), flush=True)
        else:
            print(_plain(reply), flush=True)
    return 0


def command_chat(args: argparse.Namespace) -> int:
    """Interactive conversation in the terminal."""
    TerminalChat(_assistant(args.kb), lang=getattr(args, "lang", None)).run()
    return 0


def command_run(args: argparse.Namespace) -> int:
    """The main job: the Telegram bot with a token (polling, or a webhook), else the chat."""
    settings = load_settings()
    if settings.telegram_token is None:
        print(
            "wegweiser: no WEGWEISER_TELEGRAM_TOKEN set, starting the terminal chat.",
            file=sys.stderr,
        )
        return command_chat(args)
    import handlers
    from bot.adapters.memory import limit_malloc_arenas
    from bot.db.migrate import upgrade_in_child
    from bot.telegram.app import build_application

    limit_malloc_arenas()  # before the worker threads: about 12 MB less resident memory
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    for noisy in ("httpx", "apscheduler", "telegram.ext.Application"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("telegram.ext").addFilter(_without_retry_traceback)
    assistant = _assistant(args.kb or settings.kb)
    app = build_application(settings, assistant, handlers.register, migrate=upgrade_in_child)
    try:
        _serve(app, settings)
    except Exception as exc:  # fatal at start: Telegram, the network or the database
        log = logging.getLogger("wegweiser")
        log.debug("start failed", exc_info=exc)
        print(f"wegweiser: could not start: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3
    return 0


def command_db_upgrade(args: argparse.Namespace) -> int:
    """Apply the database migrations."""
    from bot.db.migrate import upgrade

    url = load_settings().database_url
    upgrade(url)
    print(f"database up to date: {url.split('@')[-1]}")
    return 0


def command_report(args: argparse.Namespace) -> int:
    """The statistics of the last days or weeks, as German text, CSV, or the digest's chart."""
    from bot.core.insights import csv_text, parse_days, stats_messages
    from bot.core.staff_texts import STATS_TITLE

    try:
        days = parse_days(args.since)
    except ValueError as exc:
        print(f"wegweiser report: --since: {exc}", file=sys.stderr)
        return 2
    from sqlalchemy.exc import SQLAlchemyError

    settings = load_settings()
    kb = load_knowledge_base(settings.kb)
    try:
        insights, chart = asyncio.run(_figures_and_chart(settings, kb, days, args.format == "png"))
    except (SQLAlchemyError, OSError) as exc:  # unreachable, or not migrated (db upgrade)
        reason = str(exc).splitlines()[0] if str(exc) else ""
        print(f"wegweiser report: database: {type(exc).__name__}: {reason}", file=sys.stderr)
        return 3
    if args.format == "png":
        from bot.adapters.charts import render_png

        assert chart is not None
        target: Path = args.output or Path("report.png")
        target.write_bytes(render_png(chart))
        print(f"chart written to {target}")
        return 0
    if args.format == "csv":
        text = csv_text([insights])
    else:
        text = "\n\n".join(stats_messages([insights], STATS_TITLE, kb.centre.tz)) + "\n"
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
        print(f"report written to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


async def _figures_and_chart(
    settings: Settings, kb: KnowledgeBase, days: int, with_chart: bool
) -> tuple[Figures, Chart | None]:
    """The figures of the last *days* from the settings' database (and the chart's data)."""
    from bot.db import create_engine, session_factory
    from bot.db.unit_of_work import Database
    from bot.services.insights import InsightService
    from bot.services.ports import system_clock

    engine = create_engine(settings.database_url)
    try:
        database = Database(session_factory(engine))
        service = InsightService(
            database, system_clock, lambda: kb, settings.statistics_retention_days
        )
        figures = await service.figures(days)
        if not with_chart:
            return figures, None
        weeks = min(52, max(2, -(-days // 7)))  # the window in weeks, rounded up
        return figures, await service.chart(weeks=weeks, topic_days=days)
    finally:
        await engine.dispose()


def command_kb_check(args: argparse.Namespace) -> int:
    """Validate one knowledge base, or every knowledge base in a folder of them."""
    directory: Path = args.directory or load_settings().kb
    folders = [directory]
    if directory.is_dir() and not (directory / "centre.yaml").exists():
        found = sorted(p.parent for p in directory.glob("*/centre.yaml"))
        folders = found or folders
    failed = False
    for folder in folders:
        kb, problems = check_knowledge_base(folder)
        if problems:
            print(format_report(problems))
        if kb is None:
            failed = True
            print(f"{folder}: NOT usable")
        else:
            print(
                f"{folder}: ok — {len(kb.entries)} entries, {len(kb.contacts)} contacts, "
                f"{len(kb.events)} events, {len(kb.templates)} templates"
            )
    return 1 if failed else 0


def command_kb_add_phrasing(args: argparse.Namespace) -> int:
    """Add one phrasing to an entry file: the whole knowledge base is checked with it first,
    the file replaced atomically; prints the diff. A running bot takes it up on its next file
    check (or /reload)."""
    from bot.adapters.knowledge_files import KnowledgeFolder
    from bot.core.phrasings import PhrasingRefused, Refusal
    from bot.services.curation import PhrasingEditor

    directory: Path = args.kb or load_settings().kb
    try:
        edit = PhrasingEditor(KnowledgeFolder()).add(directory, args.entry, args.lang, args.text)
    except PhrasingRefused as refused:
        if refused.refusal is Refusal.ALREADY_THERE:
            print(f"{args.entry}: already in the '{args.lang}' phrasings; nothing changed")
            return 0
        print(f"wegweiser: not added ({refused.refusal}): {refused.detail}", file=sys.stderr)
        return 1
    print(edit.diff(), end="")
    print(f"{edit.path}: added 1 phrasing to {edit.entry_id} ({edit.lang})")
    return 0


def _without_retry_traceback(record: logging.LogRecord) -> bool:
    """PTB's start-up retry loop logs a whole traceback for "cannot reach Telegram": one line
    is enough (the reason follows in ``could not start``)."""
    if record.getMessage().startswith("Network Retry Loop"):
        record.exc_info = None
    return True


def _serve(app: Any, settings: Settings) -> None:
    """Run until stopped: webhook if a URL is configured, else long polling."""
    from telegram import Update

    if settings.webhook_url is not None:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlsplit(str(settings.webhook_url)).path.strip("/"),
            webhook_url=str(settings.webhook_url),
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wegweiser`` console script."""
    args = _parser().parse_args(argv)
    handlers = {"ask": command_ask, "chat": command_chat, "run": command_run}
    try:
        if args.command == "kb" and args.kb_command == "add-phrasing":
            return command_kb_add_phrasing(args)
        if args.command == "kb":
            return command_kb_check(args)
        if args.command == "db":
            return command_db_upgrade(args)
        if args.command == "report":
            return command_report(args)
        return handlers[args.command](args)
    except KnowledgeBaseError as exc:
        print(exc.report, file=sys.stderr)
        return 1
    except ConfigurationError as exc:
        print(f"wegweiser: configuration: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
