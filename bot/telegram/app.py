"""Build the Telegram application: handlers, database, commands per language, rate limits."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import BotCommand
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, ExtBot
from telegram.request import BaseRequest, HTTPXRequest

from bot.adapters.charts import render_png
from bot.adapters.event_feed import IcsFeedReader
from bot.adapters.knowledge_files import KnowledgeFolder
from bot.core.assistant import Assistant
from bot.core.flood import FloodGate
from bot.core.i18n import gettext
from bot.core.knowledge import KnowledgeBase
from bot.core.languages import LANGS, Lang
from bot.db import create_engine, session_factory
from bot.db.migrate import upgrade
from bot.db.unit_of_work import Database
from bot.services.activity_log import ActivityLog
from bot.services.appointments import AppointmentService
from bot.services.contacts import ContactService
from bot.services.container import Services
from bot.services.conversations import ConversationService
from bot.services.curation import CurationService, PhrasingEditor
from bot.services.events import EventService
from bot.services.insights import DigestService, InsightService
from bot.services.knowledge import KnowledgeService
from bot.services.ports import Clock, system_clock
from bot.services.questions import QuestionService
from bot.services.reminders import ReminderService
from bot.services.users import UserService
from bot.settings import Settings
from bot.telegram.context import Background, BotData, Context, StaffDirectory, WegweiserApp
from bot.telegram.health import HealthServer
from bot.telegram.inbox import DurableUpdateQueue, Inbox, StoringBot, this_process
from bot.telegram.messenger import TelegramMessenger
from bot.telegram.outbox import RelayOutbox
from bot.telegram.update_order import ChatOrderedProcessor

log = logging.getLogger("wegweiser")
# python-telegram-bot 22 moves durations (e.g. RetryAfter.retry_after) to timedelta: opt in now.
os.environ.setdefault("PTB_TIMEDELTA", "1")
COMMANDS = (
    "start", "menu", "language", "events", "volunteer", "appointments", "help", "privacy",
    "mydata", "delete",
)  # fmt: skip
DEFAULT_LANG: Lang = "de"
# Registers the handlers on the application (the composition root passes ``handlers.register``).
Registrar = Callable[[WegweiserApp], None]
# Answering is mostly CPU (matching) plus one HTTP call: a few updates at once keep the CPU busy
# while replies are in flight; more only adds connection-pool overhead.
# Measured with bench/e2e.py: 8 updates and 4 connections beat 256 and 256 by a third.
CONCURRENT_UPDATES = 8
CONNECTIONS = 4
# Telegram's limits are on what a bot sends; looking things up (getChatMember, getUpdates,
# answering a button) must never queue behind sends.
SENDING = ("send", "copy", "forward", "edit", "createForumTopic", "reopenForumTopic",
           "closeForumTopic", "pin")  # fmt: skip


class SendingRateLimiter(AIORateLimiter):
    """PTB's limiter (overall, per chat, 20 a minute per group), for sending endpoints only."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Limit sends; pass everything else straight through."""
        if not endpoint.startswith(SENDING):
            return await callback(*args, **kwargs)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


def command_list(lang: Lang) -> list[BotCommand]:
    """The commands with their descriptions in *lang* (for Telegram's command menu)."""
    descriptions = {
        "start": gettext(lang, "cmd:start"),
        "menu": gettext(lang, "cmd:menu"),
        "language": gettext(lang, "cmd:language"),
        "appointments": gettext(lang, "cmd:appointments"),
        "events": gettext(lang, "cmd:events"),
        "volunteer": gettext(lang, "cmd:volunteer"),
        "help": gettext(lang, "cmd:help"),
        "privacy": gettext(lang, "cmd:privacy"),
        "mydata": gettext(lang, "cmd:mydata"),
        "delete": gettext(lang, "cmd:delete"),
    }
    return [BotCommand(name, descriptions[name]) for name in COMMANDS]


async def prepare(app: WegweiserApp) -> None:
    """Migrate the database, register the commands in every language, load the models."""
    data = app.bot_data
    s = data.services
    await asyncio.to_thread(data.migrate, s.settings.database_url)
    await app.bot.set_my_commands(command_list(DEFAULT_LANG))
    for lang in LANGS:
        await app.bot.set_my_commands(command_list(lang), language_code=lang)
    for starting in data.on_start:
        await starting(app)
    queue = app.update_queue
    if isinstance(queue, DurableUpdateQueue):
        data.inbox.attach(app.bot, queue.put_stored, data.tell_waiting)
        replayed = await data.inbox.replay()
        data.inbox.start()
        log.info("inbox: %d stored update(s) to handle first", replayed)
    data.outbox.start(app.bot)
    port = s.settings.health_check_port
    if port is not None:
        data.health = HealthServer(data.inbox, s.clock, s.settings.webhook_listen, port)
        await data.health.start()
    s.assistant.warm_up()
    # The knowledge index and language models are built once and live as long as the process:
    # keep them out of the garbage collector's scans (each full scan would walk all of them).
    gc.collect()
    gc.freeze()
    log.info("ready: %s, %d entries", s.assistant.kb.centre.name, len(s.assistant.kb.entries))


async def stop_background(app: WegweiserApp) -> None:
    """Stop the inbox and outbox work while the bot can still talk to Telegram."""
    if app.bot_data.health is not None:
        await app.bot_data.health.stop()
    await app.bot_data.background.settle()
    await app.bot_data.outbox.stop()
    await app.bot_data.inbox.stop()
    await app.bot_data.services.questions.activity.close()


async def close(app: WegweiserApp) -> None:
    """Stop the background work (if still running), release the database connections."""
    await stop_background(app)
    await app.bot_data.engine.dispose()


def flood_gate(settings: Settings) -> FloodGate | None:
    """Per-chat flood control as configured (None: switched off)."""
    if settings.flood_burst == 0 or settings.flood_per_minute == 0:
        return None
    return FloodGate(settings.flood_burst, settings.flood_per_minute / 60)


def build_application(
    settings: Settings,
    assistant: Assistant,
    register: Registrar,
    *,
    request: BaseRequest | None = None,
    clock: Clock = system_clock,
    migrate: Callable[[str], None] = upgrade,
) -> WegweiserApp:
    """The application, ready for ``run_polling``/``run_webhook`` or for tests.

    *request* replaces the HTTP layer (tests pass a recording fake), *clock* the time, *migrate*
    how the database is brought up to date at start (``wegweiser run``: in a child process).
    Outgoing messages go through PTB's rate limiter (``WEGWEISER_RATE_LIMIT`` per second
    overall, 20 a minute per group, retries on ``RetryAfter``); a rate limit of 0 switches it
    off. Updates are stored before they are confirmed (``bot.telegram.inbox``); relayed messages go
    through the outbox (``bot.telegram.outbox``), never inline in a handler.
    """
    if settings.telegram_token is None:
        raise ValueError("a Telegram token is needed")
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    owner = this_process()
    inbox = Inbox(sessions, clock, owner)
    outbox = RelayOutbox(sessions, settings.staff_chat_id, clock, owner)
    limiter = None
    if settings.rate_limit > 0:
        limiter = SendingRateLimiter(overall_max_rate=settings.rate_limit, max_retries=3)
    bot: ExtBot[None] = StoringBot(
        settings.telegram_token.get_secret_value(),
        base_url=f"{settings.api_root}/bot",
        base_file_url=f"{settings.api_root}/file/bot",
        request=request or HTTPXRequest(connection_pool_size=CONNECTIONS),
        get_updates_request=request or HTTPXRequest(connection_pool_size=1),
        rate_limiter=limiter,
        inbox=inbox,
    )
    app: WegweiserApp = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=Context, bot_data=BotData))
        .update_queue(DurableUpdateQueue(inbox))
        .concurrent_updates(ChatOrderedProcessor(CONCURRENT_UPDATES, inbox))
        .post_init(prepare)
        .post_stop(stop_background)
        .post_shutdown(close)
        .build()
    )
    messenger = TelegramMessenger()
    messenger.attach(app.bot)
    database = Database(sessions)
    events = EventService(database, clock, messenger, IcsFeedReader(), settings)
    knowledge = KnowledgeService(assistant, events)

    def current_kb() -> KnowledgeBase:
        return knowledge.assistant.kb  # the one in use now (a reload replaces the assistant)

    activity = ActivityLog(database, clock)
    insights = InsightService(
        database, clock, current_kb, settings.statistics_retention_days, activity
    )
    services = Services(
        knowledge=knowledge,
        settings=settings,
        clock=clock,
        database=database,
        outbox=outbox,
        messenger=messenger,
        users=UserService(
            database, clock, settings.retention_days, settings.record_retention_days
        ),
        conversations=ConversationService(database, clock, outbox, settings, current_kb),
        events=events,
        questions=QuestionService(database, clock, knowledge, activity),
        contacts=ContactService(knowledge),
        appointments=AppointmentService(database, clock, messenger, outbox, current_kb, settings),
        reminders=ReminderService(database, clock, messenger, outbox, current_kb),
        curation=CurationService(
            database, clock, knowledge, PhrasingEditor(KnowledgeFolder()), settings.sealed_dir
        ),
        insights=insights,
        digest=DigestService(insights, messenger, render_png, settings, owner),
        flood=flood_gate(settings),
    )
    services.users.on_forget.append(services.conversations.forget_chat)
    services.users.on_forget.append(services.questions.forget_chat)
    data = app.bot_data
    data.services, data.engine, data.inbox, data.outbox = services, engine, inbox, outbox
    data.staff, data.background = StaffDirectory(settings), Background()
    data.migrate = migrate
    data.on_start.append(lambda _app: services.conversations.load_active())
    register(app)
    return app
