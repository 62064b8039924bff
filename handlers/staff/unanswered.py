"""/unanswered in the staff group: what families asked and got no confident answer to, grouped,
with "➕ Formulierung von <Eintrag>" and "Ignorieren" under each group — staff only.

Accepting writes the question into the entry file and reloads the assistant
(``bot.services.curation``); then the sealed test figure before and after follows, measured in
the background.
"""

from __future__ import annotations

import re

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core import staff_texts as texts
from bot.core.assistant import Assistant
from bot.core.callbacks import ADD_PHRASING, IGNORE_QUESTIONS
from bot.core.curation import figure_line, group_keyboard, group_text, overview_text
from bot.core.phrasings import Refusal
from bot.services.curation import Decision, Outcome, SealedChange
from bot.telegram.context import Context, WegweiserApp
from handlers.keyboards import inline
from handlers.staff.guard import refuse_unless_staff

DEFAULT_DAYS = 30
MAX_DAYS = 365
DAYS = re.compile(r"[0-9]{1,3}")  # ASCII digits only: no '²', no huge numbers
MAX_REPORT = 3500
MAX_ANSWER = 200  # Telegram's limit for the text of a button's answer


def days_of(args: list[str]) -> int | None:
    """The days asked for (``/unanswered``, ``/unanswered 7``); None if not understood."""
    if not args:
        return DEFAULT_DAYS
    if len(args) == 1 and DAYS.fullmatch(args[0]) and 1 <= int(args[0]) <= MAX_DAYS:
        return int(args[0])
    return None


async def list_unanswered(update: Update, context: Context) -> None:
    """/unanswered [TAGE]: the largest groups of questions without a confident answer."""
    message = update.effective_message
    if message is None or not await refuse_unless_staff(update, context):
        return
    days = days_of(list(context.args or []))
    if days is None:
        context.reply_in_background(message, texts.UNANSWERED_USAGE)
        return
    s = context.services
    overview = await s.curation.overview(days)
    assistant = s.assistant
    header = overview_text(days, overview.questions, overview.groups, len(overview.shown))
    parts: list[tuple[str, InlineKeyboardMarkup | None]] = [(header, None)]
    for number, view in enumerate(overview.shown, start=1):
        text = group_text(number, view.group, lambda entry_id: assistant.title(entry_id, "de"))
        parts.append((text, inline(group_keyboard(view.group, view.suggestions))))
    context.background.run(_send_in_order(message, parts))


async def _send_in_order(
    message: Message, parts: list[tuple[str, InlineKeyboardMarkup | None]]
) -> None:
    """The overview, then one message per group with its buttons (in this order)."""
    for text, markup in parts:
        await message.reply_text(text, reply_markup=markup)


async def accept_phrasing(update: Update, context: Context) -> None:
    """ "➕ Formulierung von …": the group's question becomes a phrasing of the entry."""
    query = update.callback_query
    if query is None or context.matches is None or not await refuse_unless_staff(update, context):
        return
    question_id, entry_id = int(context.matches[0][1]), context.matches[0][2]
    s = context.services
    outcome = await s.curation.accept(question_id, entry_id, query.from_user.full_name)
    await _tell(query, context, outcome)
    if outcome.decision is Decision.ADDED and outcome.before and outcome.after:
        before, after = outcome.before, outcome.after
        context.background.run(_post_sealed_figure(query, context, before, after))


async def ignore_group(update: Update, context: Context) -> None:
    """ "Ignorieren": the group's stored questions are deleted."""
    query = update.callback_query
    if query is None or context.matches is None or not await refuse_unless_staff(update, context):
        return
    outcome = await context.services.curation.ignore(
        int(context.matches[0][1]), query.from_user.full_name
    )
    await _tell(query, context, outcome)


async def _tell(query: CallbackQuery, context: Context, outcome: Outcome) -> None:
    """Answer the press; a decision also goes into the chat, and the group's buttons go."""
    text = outcome_text(outcome)
    settled = outcome.decision in {Decision.ADDED, Decision.ALREADY_IN_LIST, Decision.IGNORED}
    await query.answer(text[:MAX_ANSWER], show_alert=outcome.decision is Decision.REFUSED)
    if settled:
        await query.edit_message_reply_markup(reply_markup=None)
    if settled or outcome.decision is Decision.REFUSED:
        await _say(query, context, text)


async def _say(query: CallbackQuery, context: Context, text: str) -> None:
    """Send *text* where the button was (the staff group, its topic if any)."""
    message = query.message
    if message is None:
        return
    thread = message.message_thread_id if isinstance(message, Message) else None
    await context.bot.send_message(message.chat.id, text, message_thread_id=thread)


async def _post_sealed_figure(
    query: CallbackQuery, context: Context, before: Assistant, after: Assistant
) -> None:
    """Measure the sealed figure before and after (seconds, in a thread), then post it."""
    change = await context.services.curation.sealed_change(before, after)
    await _say(query, context, sealed_text(change))


def sealed_text(change: SealedChange) -> str:
    """ "Sealed-Testsatz Duisburg: 90,8 % → 91,0 % (+1 Frage)", or how to measure it."""
    if change.before is None or change.after is None:
        where = str(change.path) if change.path is not None else "tests/sealed"
        return texts.SEALED_MISSING.format(path=where)
    return figure_line(change.place, change.before, change.after)


def outcome_text(outcome: Outcome) -> str:
    """What staff are told about a press, in German."""
    decision = outcome.decision
    if decision is Decision.ADDED:
        said = texts.PHRASING_ADDED.format(
            text=outcome.text, title=outcome.title, lang=outcome.lang, file=outcome.file,
            questions=outcome.settled,
        )  # fmt: skip
        return (
            f"{said} {texts.NOW_CONFIDENT if outcome.confident_now else texts.NOT_YET_CONFIDENT}"
        )
    if decision is Decision.ALREADY_IN_LIST:
        return texts.ALREADY_IN_LIST.format(
            text=outcome.text, title=outcome.title, lang=outcome.lang
        )
    if decision is Decision.IGNORED:
        return texts.IGNORED.format(questions=outcome.settled)
    if decision is Decision.DECIDED_BEFORE and outcome.earlier is not None:
        earlier = outcome.earlier
        if earlier.decision is Decision.IGNORED:
            return texts.ALREADY_IGNORED.format(by=earlier.by)
        return texts.ALREADY_ADDED.format(
            text=earlier.text, title=earlier.title, lang=earlier.lang, by=earlier.by
        )
    if decision is Decision.ENTRY_GONE:
        return texts.ENTRY_GONE.format(entry=outcome.entry_id)
    if decision is Decision.REFUSED:
        return refusal_text(outcome)
    return texts.GROUP_GONE


def refusal_text(outcome: Outcome) -> str:
    """Why a phrasing was not written, in German."""
    refusal, file, why = outcome.refusal, outcome.file, outcome.detail
    if refusal is Refusal.READ_ONLY:
        return texts.PHRASING_READ_ONLY.format(file=file)
    if refusal is Refusal.INVALID:
        return texts.PHRASING_INVALID.format(report=why[:MAX_REPORT])
    if refusal is Refusal.EMPTY:
        return texts.PHRASING_EMPTY
    if refusal is Refusal.NO_ENTRY:
        return texts.ENTRY_GONE.format(entry=outcome.entry_id)
    if refusal is Refusal.NOT_EDITABLE:
        return texts.PHRASING_NOT_EDITABLE.format(file=file, why=why)
    return texts.PHRASING_WRITE_FAILED.format(file=file, why=why)


async def refuse_elsewhere(update: Update, context: Context) -> None:
    """/unanswered outside the staff group: staff are pointed to it, others refused."""
    message = update.effective_message
    if message is not None and await refuse_unless_staff(update, context):
        context.reply_in_background(message, texts.USE_IN_STAFF_GROUP)


def register(app: WegweiserApp, staff_chat_id: int | None) -> None:
    """/unanswered and its buttons in the staff group; /unanswered elsewhere is refused."""
    if staff_chat_id is not None:
        in_staff_chat = filters.Chat(staff_chat_id)
        app.add_handler(CommandHandler("unanswered", list_unanswered, filters=in_staff_chat))
    app.add_handler(CommandHandler("unanswered", refuse_elsewhere))
    app.add_handler(CallbackQueryHandler(accept_phrasing, pattern=ADD_PHRASING))
    app.add_handler(CallbackQueryHandler(ignore_group, pattern=IGNORE_QUESTIONS))
