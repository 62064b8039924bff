"""/start (with deep links such as ``?start=school-ar``), /language, /menu and their buttons."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.i18n import gettext
from bot.core.languages import LANGS, NATIVE_NAMES, Lang, as_lang
from bot.telegram.context import Context, WegweiserApp
from handlers import keyboards
from handlers.common import remember_language, ui_language
from handlers.family import views

DEEP_LINK = re.compile(
    rf"^(?:(?P<topic>{'|'.join(keyboards.TOPICS)})(?:[-_](?P<lang>{'|'.join(LANGS)}))?"
    rf"|(?P<only>{'|'.join(LANGS)}))$"
)
WELCOME = (
    "Welcome! I am Wegweiser, the assistant of the integration centre. Write your question in "
    "your own language, or choose a topic below."
)
_TOPIC_OF_KB = {"school": "school_entry"}  # events and volunteering have views of their own


def parse_deep_link(payload: str) -> tuple[str | None, Lang | None]:
    """``school-ar`` -> ("school", "ar"); ``tr`` -> (None, "tr"); anything else -> (None, None)."""
    match = DEEP_LINK.match(payload.strip().lower())
    if match is None:
        return None, None
    return match["topic"], as_lang(match["lang"] or match["only"])


async def start(update: Update, context: Context) -> None:
    """Welcome, language picker and topic menu; a deep link presets language and topic."""
    message = update.effective_message
    if message is None:
        return
    topic, lang = parse_deep_link(context.args[0]) if context.args else (None, None)
    if lang:
        await remember_language(update, context, lang)
    lang = lang or await ui_language(update, context)
    await message.reply_text(gettext(lang, WELCOME), reply_markup=keyboards.language_picker())
    if topic:
        await show_topic(update, context, lang, topic)
    else:
        await message.reply_text(
            gettext(lang, "What would you like to know?"), reply_markup=keyboards.topic_menu(lang)
        )


async def language(update: Update, context: Context) -> None:
    """/language xx sets the language; /language alone (or with a wrong code) shows the picker."""
    message = update.effective_message
    if message is None:
        return
    chosen = as_lang(context.args[0]) if context.args else None
    if chosen:
        await remember_language(update, context, chosen)
        await message.reply_text(
            gettext(chosen, "Language: {language}", language=NATIVE_NAMES[chosen]),
            reply_markup=keyboards.topic_menu(chosen),
        )
        return
    lang = await ui_language(update, context)
    text = gettext(lang, "Choose your language:")
    if context.args:
        text = gettext(
            lang,
            "Choose a language with the buttons below, or write /language xx "
            "(for example /language tr).",
        )
    await message.reply_text(text, reply_markup=keyboards.language_picker())


async def pick_language(update: Update, context: Context) -> None:
    """A language button: remember it, confirm in that language, show the menu."""
    query = update.callback_query
    match = keyboards.PICK_LANGUAGE.match(query.data or "") if query else None
    if query is None or match is None:
        return
    lang = as_lang(match[1]) or "de"
    await remember_language(update, context, lang)
    await query.answer()
    await query.edit_message_text(
        gettext(lang, "Language: {language}", language=NATIVE_NAMES[lang]),
        reply_markup=keyboards.topic_menu(lang),
    )


async def menu(update: Update, context: Context) -> None:
    """/menu: the topics."""
    message = update.effective_message
    if message is None:
        return
    lang = await ui_language(update, context)
    await message.reply_text(
        gettext(lang, "What would you like to know?"), reply_markup=keyboards.topic_menu(lang)
    )


async def pick_topic(update: Update, context: Context) -> None:
    """A topic button of the menu."""
    query = update.callback_query
    match = keyboards.MENU.match(query.data or "") if query else None
    if query is None or match is None:
        return
    await query.answer()
    await show_topic(update, context, as_lang(match[1]) or "de", match[2])


async def show_topic(update: Update, context: Context, lang: Lang, topic: str) -> None:
    """The entries of a topic as buttons (or the answer, if there is one); contacts as a card."""
    chat = update.effective_chat
    if chat is None:
        return
    assistant = context.services.assistant
    if topic == "events":
        await views.show_events(update, context, lang)
        return
    if topic == "volunteering":
        await views.show_volunteering(update, context, lang)
        return
    if topic == "contacts":
        await context.bot.send_message(chat.id, contact_card(update, context, lang))
        return
    entries = [e for e in assistant.kb.entries if e.topic == _TOPIC_OF_KB[topic]]
    if len(entries) == 1:
        reply = assistant.answer(entries[0].id, lang)
        await context.bot.send_message(
            chat.id, reply.text, reply_markup=keyboards.feedback_buttons(lang, entries[0].id)
        )
        return
    await context.bot.send_message(
        chat.id,
        gettext(lang, "Please choose a topic:"),
        reply_markup=keyboards.entry_buttons(lang, [(e.id, e.title_in(lang)) for e in entries]),
    )


def contact_card(update: Update, context: Context, lang: Lang) -> str:
    """The centre's address, phone, e-mail and website, verbatim."""
    centre = context.services.assistant.kb.centre
    lines = [centre.name]
    lines += views.reach_lines(
        lang, phone=centre.phone, email=centre.email, address=centre.address
    )
    if centre.website:
        lines.append(centre.website)
    return "\n".join(lines)


def register(app: WegweiserApp) -> None:
    """/start, /language, /menu and the language and topic buttons (private chats)."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", start, filters=private))
    app.add_handler(CommandHandler("language", language, filters=private))
    app.add_handler(CommandHandler("menu", menu, filters=private))
    app.add_handler(CallbackQueryHandler(pick_language, pattern=keyboards.PICK_LANGUAGE))
    app.add_handler(CallbackQueryHandler(pick_topic, pattern=keyboards.MENU))
