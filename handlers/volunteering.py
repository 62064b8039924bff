"""/volunteer: what volunteers can do here, whom to contact (/contact WORD), a message to staff."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.core.i18n import gettext
from bot.core.knowledge import Contact
from bot.core.languages import LANGS, Lang, as_lang
from bot.core.matching import Document, Matcher
from bot.core.stopwords import load_stopwords
from bot.services.container import Services
from bot.telegram.context import Context, WegweiserApp
from handlers.common import ui_language
from handlers.family import handoff

MESSAGE_BUTTON = r"^volmsg:([a-z]{2})$"


def contact_matcher(s: Services) -> Matcher:
    """Contacts searchable by role (every language), name, address, and their topics' entries
    (built once per knowledge base; a reload replaces it)."""
    kb = s.assistant.kb
    cached = s.contact_search
    if cached is not None and cached[0] is kb:
        return cached[1]
    docs: list[Document] = []
    for contact in kb.contacts:
        texts = [*contact.role.values(), contact.name or "", contact.address or ""]
        for entry in kb.entries:
            if entry.topic in contact.topics:
                texts.extend([*entry.title.values(), *entry.keywords])
        docs.extend(Document(contact.id, "de", text, "keyword") for text in texts if text)
    matcher = Matcher(docs, load_stopwords(LANGS))
    s.contact_search = (kb, matcher)
    return matcher


def reach_lines(
    lang: Lang, *, phone: str | None, email: str | None, address: str | None
) -> list[str]:
    """How to reach someone, labelled in *lang*, the details verbatim."""
    lines = []
    if address:
        lines.append(gettext(lang, "Address: {address}", address=address))
    if phone:
        lines.append(gettext(lang, "Phone: {phone}", phone=phone))
    if email:
        lines.append(gettext(lang, "E-mail: {email}", email=email))
    return lines


def contact_card(contact: Contact, lang: Lang) -> str:
    """Name and role, then phone, e-mail and address — verbatim."""
    role = next((contact.role[c] for c in (lang, "en", "de") if c in contact.role), "")
    lines = [" · ".join(part for part in (contact.name, role) if part)]
    lines += reach_lines(lang, phone=contact.phone, email=contact.email, address=contact.address)
    return "\n".join(lines)


async def show_volunteering(update: Update, context: Context, lang: Lang | None = None) -> None:
    """The volunteering entries as buttons, how to find a contact, a message to the team."""
    chat = update.effective_chat
    if chat is None:
        return
    lang = lang or await ui_language(update, context)
    kb = context.services.assistant.kb
    entries = [(e.id, e.title_in(lang)) for e in kb.entries if e.topic == "volunteering"]
    rows = [
        [InlineKeyboardButton(title, callback_data=f"ans:{lang}:{eid}")] for eid, title in entries
    ]
    rows.append([InlineKeyboardButton(gettext(lang, "Leave a message for the volunteering team"),
                                      callback_data=f"volmsg:{lang}")])  # fmt: skip
    text = "\n\n".join([
        gettext(lang, "What volunteers can do here:"),
        gettext(lang, "To find a contact person, write /contact and a word, for example "
                "/contact Sprachmittler"),
    ])  # fmt: skip
    await context.bot.send_message(chat.id, text, reply_markup=InlineKeyboardMarkup(rows))


async def volunteer_command(update: Update, context: Context) -> None:
    """/volunteer."""
    await show_volunteering(update, context)


async def find_contact(update: Update, context: Context) -> None:
    """/contact WORD: the contact persons for a topic, a district, a programme."""
    message = update.effective_message
    if message is None:
        return
    lang = await ui_language(update, context)
    kb = context.services.assistant.kb
    query = " ".join(context.args or [])
    if not query:
        await message.reply_text(gettext(lang, "To find a contact person, write /contact and a "
                                         "word, for example /contact Sprachmittler"))  # fmt: skip
        return
    found = contact_matcher(context.services).match(query)
    contacts = [c for cand in found.candidates if cand.score >= found.candidates[0].score * 0.8
                for c in kb.contacts if c.id == cand.entry_id]  # fmt: skip
    if not contacts:
        reply = context.services.assistant.reply(query, lang=lang)
        if reply.confident:  # "Marxloh", "Hausaufgabenhilfe": what the knowledge base says
            await message.reply_text(reply.text)
            return
        centre = next(iter(kb.contacts), None)
        header = gettext(lang, "No contact person found for “{query}”. You can reach the centre "
                         "here:", query=query)  # fmt: skip
        body = contact_card(centre, lang) if centre else kb.centre.name
        await message.reply_text(f"{header}\n\n{body}")
        return
    header = gettext(lang, "Contact persons for “{query}”:", query=query)
    await message.reply_text("\n\n".join([header, *(contact_card(c, lang) for c in contacts)]))


async def leave_message(update: Update, context: Context) -> None:
    """The volunteer's message goes to staff as a hand-over labelled volunteering."""
    query = update.callback_query
    if query is None or context.matches is None:
        return
    await query.answer()
    lang = as_lang(context.matches[0][1]) or "de"
    prompt = gettext(lang, "Please write your message: what you can offer and when. Staff of "
                     "the centre will read it and answer here.")  # fmt: skip
    await handoff.open_conversation(update, context, lang, label="Ehrenamt", follow_up=prompt)


def register(app: WegweiserApp) -> None:
    """/volunteer, /contact and the message button."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("volunteer", volunteer_command, filters=private))
    app.add_handler(CommandHandler("contact", find_contact, filters=private))
    app.add_handler(CallbackQueryHandler(leave_message, pattern=MESSAGE_BUTTON))
