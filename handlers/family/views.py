"""What several family features show: the events list, the volunteering list, contact cards,
the opening of a hand-over — and the buttons under them with the callback data they carry
(parsed again on the way in)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core import callbacks
from bot.core.event_status import format_when, status_line
from bot.core.handoff import end_buttons
from bot.core.i18n import gettext
from bot.core.knowledge import Contact, Event
from bot.core.languages import Lang
from bot.services.conversations import Opening
from bot.telegram.context import Context
from handlers import keyboards
from handlers.common import ui_language

# Add to calendar (ics), remind me (rem), tell me about a new date (sub): language, event.
EVENT_BUTTON, VOLUNTEER_MESSAGE = callbacks.EVENT_BUTTON, callbacks.VOLUNTEER_MESSAGE
MSG_FIND_CONTACT = (
    "To find a contact person, write /contact and a word, for example /contact Sprachmittler"
)


def describe(event: Event, lang: Lang) -> str:
    """Title, date and time the local way, place verbatim."""
    lines = [event.title_in(lang), format_when(event, lang)]
    if event.place:
        lines.append(event.place)
    return "\n".join(lines)


def event_buttons(event: Event, lang: Lang) -> InlineKeyboardMarkup:
    """Add to calendar; remind me the day before."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(gettext(lang, "Add to calendar"),
                                  callback_data=callbacks.event_action("ics", lang, event.id))],
            [InlineKeyboardButton(gettext(lang, "Remind me the day before"),
                                  callback_data=callbacks.event_action("rem", lang, event.id))],
        ]
    )  # fmt: skip


def new_date_button(event: Event, lang: Lang) -> InlineKeyboardMarkup:
    """Tell me when a new date is announced."""
    subscribe = InlineKeyboardButton(
        gettext(lang, "Tell me when a new date is announced"),
        callback_data=callbacks.event_action("sub", lang, event.id),
    )
    return InlineKeyboardMarkup([[subscribe]])


async def show_events(update: Update, context: Context, lang: Lang | None = None) -> None:
    """The upcoming events, each with its buttons; else when each took place last."""
    chat = update.effective_chat
    if chat is None:
        return
    lang = lang or await ui_language(update, context)
    kb = context.services.assistant.kb
    listing = context.services.events.listing(kb)
    if listing.upcoming:
        await context.bot.send_message(chat.id, gettext(lang, "Upcoming events:"))
        for event in listing.upcoming:
            await context.bot.send_message(chat.id, describe(event, lang),
                                           reply_markup=event_buttons(event, lang))  # fmt: skip
        return
    await context.bot.send_message(
        chat.id, gettext(lang, "There are no upcoming events at the moment.")
    )
    for event in listing.past:
        await context.bot.send_message(
            chat.id,
            f"{event.title_in(lang)}\n{status_line(event, kb.centre.tz, lang, listing.moment)}",
            reply_markup=new_date_button(event, lang),
        )


async def show_volunteering(update: Update, context: Context, lang: Lang | None = None) -> None:
    """The volunteering entries as buttons, how to find a contact, a message to the team."""
    chat = update.effective_chat
    if chat is None:
        return
    lang = lang or await ui_language(update, context)
    kb = context.services.assistant.kb
    entries = [(e.id, e.title_in(lang)) for e in kb.entries if e.topic == "volunteering"]
    rows = [
        [InlineKeyboardButton(title, callback_data=callbacks.answer(lang, eid))]
        for eid, title in entries
    ]
    message = gettext(lang, "Leave a message for the volunteering team")
    rows.append([InlineKeyboardButton(message, callback_data=callbacks.volunteer_message(lang))])
    text = "\n\n".join(
        [gettext(lang, "What volunteers can do here:"), how_to_find_a_contact(lang)]
    )
    await context.bot.send_message(chat.id, text, reply_markup=InlineKeyboardMarkup(rows))


def how_to_find_a_contact(lang: Lang) -> str:
    """How /contact works, with an example."""
    return gettext(lang, MSG_FIND_CONTACT)


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


async def open_conversation(
    update: Update,
    context: Context,
    lang: Lang,
    label: str | None = None,
    follow_up: str | None = None,
) -> None:
    """Hand the chat to staff: topic, header, and tell the family when to expect an answer
    (and *follow_up*, e.g. what to write, after that)."""
    chat = update.effective_chat
    if chat is None:
        return
    s = context.services
    opening = await s.conversations.open(chat.id, lang, label=label, follow_up=follow_up)
    if opening is Opening.NO_STAFF_GROUP:  # the phone number is the way to a person
        phone = s.assistant.kb.centre.phone
        text = gettext(lang, "A person from the centre will answer you here soon.")
        if phone:
            text = gettext(
                lang,
                "A person from the centre will answer you here soon. You can also call {phone}.",
                phone=phone,
            )
        await context.bot.send_message(chat.id, text)
    elif opening is Opening.ALREADY_OPEN:
        await context.bot.send_message(
            chat.id,
            gettext(lang, "You are already in contact with the centre. Everything you write "
                    "here goes to the staff."),
            reply_markup=keyboards.inline(end_buttons(lang)),
        )  # fmt: skip


MSG_STORED = (
    "Before we start: I store your chat number, the language you use and when you last wrote to "
    "me, so that I can answer you in your language. Responsible for this data: {controller}."
)
MSG_PRIVACY_CONTACT = "Questions about data protection: {contact}"
MSG_PRIVACY_COMMANDS = "/privacy explains more, /mydata shows your data, /delete deletes it."


def privacy_notice(context: Context, lang: Lang) -> str:
    """What is stored, who is responsible (the centre, its address verbatim), whom to ask."""
    centre = context.services.assistant.kb.centre
    controller = ", ".join(part for part in (centre.name, centre.address) if part)
    lines = [gettext(lang, MSG_STORED, controller=controller)]
    contact = context.services.settings.privacy_contact
    if contact:
        lines.append(gettext(lang, MSG_PRIVACY_CONTACT, contact=contact))
    lines.append(gettext(lang, MSG_PRIVACY_COMMANDS))
    return "\n".join(lines)
