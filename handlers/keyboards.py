"""Inline keyboards and the callback data they carry (validated again on the way in)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core import callbacks
from bot.core.assistant import Reply
from bot.core.booking import map_link
from bot.core.buttons import Keyboard
from bot.core.i18n import gettext
from bot.core.languages import LANGS, NATIVE_NAMES, Lang

TOPICS = ("school", "volunteering", "events", "contacts")
# The patterns the handlers register with (one table of schemes: bot.core.callbacks).
PICK_LANGUAGE, MENU, ANSWER = callbacks.PICK_LANGUAGE, callbacks.MENU, callbacks.ANSWER
SUGGESTION = callbacks.SUGGESTION
FEEDBACK, PERSON, DELETE = callbacks.FEEDBACK, callbacks.PERSON, callbacks.DELETE


def language_picker() -> InlineKeyboardMarkup:
    """The eight languages, each in its own script, two per row."""
    buttons = [
        InlineKeyboardButton(NATIVE_NAMES[lang], callback_data=callbacks.pick_language(lang))
        for lang in LANGS
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def person_button(lang: Lang) -> InlineKeyboardButton:
    """ "Talk to a person"."""
    return InlineKeyboardButton(
        gettext(lang, "Talk to a person"), callback_data=callbacks.person(lang)
    )


def person_only(lang: Lang) -> InlineKeyboardMarkup:
    """Just "talk to a person"."""
    return InlineKeyboardMarkup([[person_button(lang)]])


def topic_label(lang: Lang, topic: str) -> str:
    """The button label of a menu topic."""
    labels = {
        "school": gettext(lang, "School entry"),
        "volunteering": gettext(lang, "Volunteering"),
        "events": gettext(lang, "Events"),
        "contacts": gettext(lang, "Contacts"),
    }
    return labels[topic]


def topic_menu(lang: Lang) -> InlineKeyboardMarkup:
    """School entry, volunteering, events, contacts, talk to a person."""
    rows = [
        [InlineKeyboardButton(topic_label(lang, t), callback_data=callbacks.menu(lang, t))]
        for t in TOPICS
    ]
    rows.append([person_button(lang)])
    return InlineKeyboardMarkup(rows)


def entry_buttons(lang: Lang, entries: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per (entry id, title), then "talk to a person"."""
    return _entries_then_person(lang, entries, callbacks.answer)


def suggestion_buttons(lang: Lang, suggestions: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per suggested (entry id, title), then "talk to a person"; pressing one is
    counted as a suggestion taken."""
    return _entries_then_person(lang, suggestions, callbacks.suggestion)


def _entries_then_person(
    lang: Lang, entries: list[tuple[str, str]], data: Callable[[Lang, str], str]
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([*_entry_rows(lang, entries, data), [person_button(lang)]])


def _entry_rows(
    lang: Lang, entries: list[tuple[str, str]], data: Callable[[Lang, str], str]
) -> list[Sequence[InlineKeyboardButton]]:
    """One row per (entry id, title), its button carrying *data*."""
    return [[InlineKeyboardButton(title, callback_data=data(lang, eid))] for eid, title in entries]


def feedback_buttons(lang: Lang, entry_id: str) -> InlineKeyboardMarkup:
    """ "Did this help?" yes / no."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    gettext(lang, "Yes"), callback_data=callbacks.vote(lang, entry_id, True)
                ),
                InlineKeyboardButton(
                    gettext(lang, "No"), callback_data=callbacks.vote(lang, entry_id, False)
                ),
            ]
        ]
    )


def for_reply(reply: Reply) -> InlineKeyboardMarkup | None:
    """Feedback (then a close runner-up and a map link) under an answer; suggestions when
    unsure; a person when the centre has no answer; nothing under small talk."""
    if reply.kind == "smalltalk":
        return None
    offered = [(s.entry_id, s.title) for s in reply.suggestions]
    if reply.confident and reply.entry_id:
        rows: list[Sequence[InlineKeyboardButton]] = [
            *feedback_buttons(reply.lang, reply.entry_id).inline_keyboard
        ]
        rows.extend(_entry_rows(reply.lang, offered, callbacks.suggestion))  # a close runner-up
        if reply.place:
            label = gettext(reply.lang, "Show on the map")
            rows.append((InlineKeyboardButton(label, url=map_link(reply.place)),))
        return InlineKeyboardMarkup(rows)
    if offered:
        return suggestion_buttons(reply.lang, offered)
    return person_only(reply.lang)


def inline(keyboard: Keyboard) -> InlineKeyboardMarkup:
    """Buttons described as plain data (by a use case's rules), for a message sent here."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in keyboard]
    )


def delete_confirmation(lang: Lang) -> InlineKeyboardMarkup:
    """ "Yes, delete" / "No, keep"."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    gettext(lang, "Yes, delete"), callback_data=callbacks.delete(lang, True)
                ),
                InlineKeyboardButton(
                    gettext(lang, "No, keep"), callback_data=callbacks.delete(lang, False)
                ),
            ]
        ]
    )
