"""/volunteer: what volunteers can do here, whom to contact (/contact WORD), a message to staff."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core import staff_texts as texts
from bot.core.i18n import gettext
from bot.core.languages import as_lang
from bot.telegram.context import Context, WegweiserApp
from handlers.common import ui_language
from handlers.family import views


async def volunteer_command(update: Update, context: Context) -> None:
    """/volunteer."""
    await views.show_volunteering(update, context)


async def find_contact(update: Update, context: Context) -> None:
    """/contact WORD: the contact persons for a topic, a district, a programme."""
    message = update.effective_message
    if message is None:
        return
    lang = await ui_language(update, context)
    query = " ".join(context.args or [])
    if not query:
        await message.reply_text(views.how_to_find_a_contact(lang))
        return
    search = await context.services.contacts.find(query, lang)
    if search.found:
        header = gettext(lang, "Contact persons for “{query}”:", query=query)
        cards = (views.contact_card(c, lang) for c in search.found)
        await message.reply_text("\n\n".join([header, *cards]))
    elif search.answer is not None:  # what the knowledge base says about the word
        await message.reply_text(search.answer)
    else:
        header = gettext(lang, "No contact person found for “{query}”. You can reach the centre "
                         "here:", query=query)  # fmt: skip
        body = views.contact_card(search.instead, lang) if search.instead else search.centre_name
        await message.reply_text(f"{header}\n\n{body}")


async def leave_message(update: Update, context: Context) -> None:
    """The volunteer's message goes to staff as a hand-over labelled volunteering."""
    query = update.callback_query
    if query is None or context.matches is None:
        return
    await query.answer()
    lang = as_lang(context.matches[0][1]) or "de"
    prompt = gettext(lang, "Please write your message: what you can offer and when. Staff of "
                     "the centre will read it and answer here.")  # fmt: skip
    await views.open_conversation(
        update, context, lang, label=texts.TOPIC_VOLUNTEERING, follow_up=prompt
    )


def register(app: WegweiserApp) -> None:
    """/volunteer, /contact and the message button."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("volunteer", volunteer_command, filters=private))
    app.add_handler(CommandHandler("contact", find_contact, filters=private))
    app.add_handler(CallbackQueryHandler(leave_message, pattern=views.VOLUNTEER_MESSAGE))
