"""The real Telegram ``Application`` with realistic updates and a recording fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import inspect
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.core.booking import map_link
from bot.core.i18n import gettext
from bot.core.languages import LANGS, NATIVE_NAMES
from bot.db import Feedback, UnansweredQuestion, User
from bot.errors import WegweiserError
from bot.telegram.context import Context
from bot.telegram.jobs import (
    EVENTS_FEED,
    KB_WATCH,
    PURGE_INACTIVE_USERS,
    PURGE_RECORDS,
    WEEKLY_DIGEST,
)
from bot.telegram.reminder_jobs import REMINDER_SWEEP_JOB
from handlers.family.start import WELCOME
from tests import updates
from tests.fakes import FakeTelegram
from tests.harness import Bot, start_app, stop_app

CHAT = 70001


async def test_commands_are_registered_in_every_language(database_url: str) -> None:
    api = FakeTelegram()
    app = await start_app(database_url, api)
    await stop_app(app)
    registered = api.sent("setMyCommands")
    assert sorted(p.get("language_code", "") for p in registered) == sorted(["", *LANGS])
    turkish = next(p for p in registered if p.get("language_code") == "tr")
    assert [c["command"] for c in turkish["commands"]] == [
        "start", "menu", "language", "events", "volunteer", "appointments", "help", "privacy",
        "mydata", "delete",
    ]  # fmt: skip
    assert turkish["commands"][0]["description"] == gettext("tr", "cmd:start")


async def test_start_welcomes_in_the_users_language_with_picker_and_menu(bot: Bot) -> None:
    await bot.send(updates.command(CHAT, "/start", language_code="tr"))
    welcome, menu = bot.api.sent()
    assert welcome["text"] == gettext("tr", WELCOME)
    assert [label for label, _ in bot.api.buttons(0)] == [NATIVE_NAMES[lang] for lang in LANGS]
    assert menu["text"] == gettext("tr", "What would you like to know?")
    assert [data for _, data in bot.api.buttons(1)] == [
        "menu:tr:school", "menu:tr:volunteering", "menu:tr:events", "menu:tr:contacts",
        "person:tr",
    ]  # fmt: skip


async def test_deep_link_presets_language_and_topic(bot: Bot) -> None:
    await bot.send(updates.command(CHAT, "/start school-ar", language_code="de"))
    [user] = await bot.rows(User)
    assert user.language == "ar"
    welcome, topic = bot.api.texts()
    assert welcome == gettext(
        "ar",
        "Welcome! I am Wegweiser, the assistant of the integration "
        "centre. Write your question in your own language, or choose a "
        "topic below.",
    )
    assert topic == gettext("ar", "Please choose a topic:")
    assert "ans:ar:school-entry-counselling" in {d for _, d in bot.api.buttons()}


async def test_unknown_deep_link_is_ignored_politely(bot: Bot) -> None:
    await bot.send(updates.command(CHAT, "/start flyer-2019-xx", language_code="ro"))
    welcome, menu = bot.api.texts()
    assert welcome == gettext("ro", WELCOME)
    assert menu == gettext("ro", "What would you like to know?")


async def test_question_gets_the_answer_with_feedback_buttons(bot: Bot) -> None:
    await bot.send(updates.text(CHAT, "Wo kann ich mein Kind in der Schule anmelden?"))
    [answer] = bot.api.sent()
    assert "Flachsmarkt 15, 1. Etage, 47051 Duisburg" in answer["text"]
    assert answer["text"].endswith(gettext("de", "Did this help?"))
    assert bot.api.buttons() == [
        (gettext("de", "Yes"), "fb:de:school-entry-counselling:1"),
        (gettext("de", "No"), "fb:de:school-entry-counselling:0"),
        (gettext("de", "Show on the map"), ""),
    ]
    [*_, map_row] = answer["reply_markup"]["inline_keyboard"]
    assert map_row[0]["url"] == map_link(
        "Internationales Zentrum, Flachsmarkt 15, 1. Etage, 47051 Duisburg"
    )
    [user] = await bot.rows(User)
    assert (user.chat_id, user.language) == (CHAT, None)  # detected languages are not stored


async def test_vote_is_stored_without_the_voter(bot: Bot) -> None:
    await bot.send(updates.callback(CHAT, "fb:tr:school-entry-counselling:1"))
    [vote] = await bot.rows(Feedback)
    assert (vote.entry_id, vote.lang, vote.helpful) == ("school-entry-counselling", "tr", True)
    assert "chat_id" not in {c.key for c in inspect(Feedback).columns}
    [thanks] = bot.api.sent("answerCallbackQuery")
    assert thanks["text"] == gettext("tr", "Thank you for your feedback!")
    assert bot.api.sent("editMessageReplyMarkup")  # the buttons go away: one vote per answer


async def test_a_no_vote_offers_a_person(bot: Bot) -> None:
    await bot.send(updates.callback(CHAT, "fb:uk:tutoring:0"))
    [vote] = await bot.rows(Feedback)
    assert not vote.helpful
    assert bot.api.buttons() == [(gettext("uk", "Talk to a person"), "person:uk")]


async def test_unsure_question_offers_suggestions_and_a_picked_one_is_answered(bot: Bot) -> None:
    await bot.send(updates.text(CHAT, "Rucksack oder Griffbereit?"))
    buttons = bot.api.buttons()
    assert {"sug:de:rucksack", "sug:de:griffbereit"} <= {data for _, data in buttons}
    assert buttons[-1][1] == "person:de"
    bot.api.clear()
    await bot.send(updates.callback(CHAT, "sug:de:griffbereit"))
    [answer] = bot.api.texts()
    assert answer.startswith("„Griffbereit“")


async def test_no_answer_is_said_and_the_question_kept_without_the_asker(bot: Bot) -> None:
    await bot.send(updates.text(CHAT, "Wann fährt der letzte Bus nach Essen?"))
    [reply] = bot.api.texts()
    assert reply == gettext(
        "de", "Sorry, I could not find an answer to that. A person from the centre can help you."
    )
    [kept] = await bot.rows(UnansweredQuestion)
    assert (kept.text, kept.lang) == ("Wann fährt der letzte Bus nach Essen?", "de")
    assert "chat_id" not in {c.key for c in inspect(UnansweredQuestion).columns}
    bot.api.clear()
    await bot.send(updates.callback(CHAT, "person:de"))
    [promise] = bot.api.texts()
    assert "0203-283 8111" in promise


async def test_a_kept_question_loses_the_phone_number_and_names_given(bot: Bot) -> None:
    question = updates.text(
        CHAT, "Ich bin Amina Yusuf, mein Name ist Amina Yusuf, Telefon 0176 5550123: wie viel "
        "kostet ein Parkausweis für Anwohner?",
    )  # fmt: skip
    question["message"]["from"]["last_name"] = "Yusuf"
    await bot.send(question)
    [kept] = await bot.rows(UnansweredQuestion)
    assert kept.text == (
        "Ich bin [Name] [Name], mein Name ist [Name] [Name], Telefon [Telefon]: wie viel kostet "
        "ein Parkausweis für Anwohner?"
    )


async def test_language_choice_wins_over_detection(bot: Bot) -> None:
    await bot.send(updates.command(CHAT, "/language"))
    assert len(bot.api.buttons()) == len(LANGS)
    await bot.send(updates.callback(CHAT, "lang:uk"))
    [edited] = bot.api.sent("editMessageText")
    assert edited["text"] == gettext("uk", "Language: {language}", language="Українська")
    bot.api.clear()
    await bot.send(updates.text(CHAT, "Wo kann ich mein Kind in der Schule anmelden?"))
    [answer] = bot.api.texts()
    assert "Flachsmarkt 15" in answer
    assert answer.endswith(gettext("uk", "Did this help?"))


async def test_language_command_with_argument(bot: Bot) -> None:
    await bot.send(updates.command(CHAT, "/language tr"))
    [user] = await bot.rows(User)
    assert user.language == "tr"
    await bot.send(updates.command(CHAT, "/language klingon"))
    assert bot.api.texts()[-1] == gettext(
        "tr",
        "Choose a language with the buttons below, or write /language xx (for example "
        "/language tr).",
    )


@pytest.mark.parametrize(
    "content",
    [
        {"sticker": updates.STICKER},
        {"photo": updates.PHOTO},
        {"voice": updates.VOICE},
        {"document": updates.DOCUMENT},
        {"location": updates.LOCATION},
    ],
    ids=["sticker", "photo", "voice", "document", "location"],
)
async def test_other_message_kinds_get_a_polite_reply(bot: Bot, content: dict[str, Any]) -> None:
    await bot.send(updates.message(CHAT, language_code="ro", **content))
    assert bot.api.texts() == [
        gettext(
            "ro",
            "I can only read text messages. Please write your question as text, in "
            "your own language.",
        )
    ]


async def test_edited_question_is_answered_again(bot: Bot) -> None:
    await bot.send(updates.text(CHAT, "Wo ist das Internationale Zentrum?", edited=True))
    [answer] = bot.api.texts()
    assert "Flachsmarkt 15" in answer


async def test_very_long_text_is_answered_within_limits(bot: Bot) -> None:
    await bot.send(updates.text(CHAT, "Schule anmelden " + "bitte " * 800))
    [answer] = bot.api.texts()
    assert len(answer) <= 4096
    assert "1000" in answer.splitlines()[0]


async def test_unknown_or_stale_button(bot: Bot) -> None:
    await bot.send(updates.callback(CHAT, "vote:42:maybe", language_code="bg"))
    [alert] = bot.api.sent("answerCallbackQuery")
    assert alert["text"] == gettext("bg", "This button no longer works. Please use /menu.")
    assert alert["show_alert"] is True


async def test_commands_in_groups_and_unknown_commands(bot: Bot) -> None:
    await bot.send(updates.command(-100123, "/start", chat_type="supergroup"))
    await bot.send(updates.text(-100123, "Hallo zusammen", chat_type="supergroup"))
    assert bot.api.texts() == [gettext("de", "Please write to me in a private chat.")]
    bot.api.clear()
    await bot.send(updates.command(CHAT, "/frobnicate 1 2 3", language_code="en"))
    assert bot.api.texts() == ["I do not know this command. Try /help."]


async def test_help_privacy_and_delete(bot: Bot) -> None:
    await bot.send(updates.command(CHAT, "/language ru"))
    await bot.send(updates.command(CHAT, "/help"))
    await bot.send(updates.command(CHAT, "/privacy"))
    assert "/delete" in bot.api.texts()[-1]
    assert await bot.rows(User)
    await bot.send(updates.command(CHAT, "/delete"))
    assert bot.api.texts()[-1] == gettext(
        "ru", "Do you want me to delete everything I store about you? This cannot be undone."
    )
    assert bot.api.buttons() == [
        (gettext("ru", "Yes, delete"), "delete:ru:yes"),
        (gettext("ru", "No, keep"), "delete:ru:no"),
    ]
    await bot.send(updates.callback(CHAT, "delete:ru:no"))
    assert bot.api.texts()[-1] == gettext("ru", "Nothing was deleted.")
    assert await bot.rows(User)
    await bot.send(updates.callback(CHAT, "delete:ru:yes"))
    assert await bot.rows(User) == []
    assert bot.api.texts()[-1] == gettext(
        "ru",
        "Your data has been deleted. If you write to me again, I will only store your "
        "language again.",
    )


async def test_users_table_holds_only_what_the_privacy_text_says() -> None:
    assert {c.key for c in inspect(User).columns} == {
        "chat_id", "language", "first_seen", "last_seen", "blocked",
    }  # fmt: skip


async def test_a_user_who_blocked_the_bot_is_marked(bot: Bot) -> None:
    await bot.send(updates.text(CHAT, "Hallo"))
    bot.api.fail["sendMessage"] = (403, "Forbidden: bot was blocked by the user")
    await bot.send(updates.text(CHAT, "Wo ist das Internationale Zentrum?"))
    [user] = await bot.rows(User)
    assert user.blocked


async def test_flood_limit_is_waited_out_and_the_answer_still_arrives(bot: Bot) -> None:
    bot.api.fail_once["sendMessage"] = (
        429,
        "Too Many Requests: retry after 1",
        {"retry_after": 1},
    )
    await bot.send(updates.text(CHAT, "Wo ist das Internationale Zentrum?"))
    attempts = bot.api.sent()
    assert len(attempts) == 2  # refused once with RetryAfter, then sent
    assert attempts[0]["text"] == attempts[1]["text"]
    assert "Flachsmarkt 15" in attempts[1]["text"]


async def test_privacy_names_the_retention_and_silent_users_are_purged(bot: Bot) -> None:
    await bot.send(updates.command(CHAT, "/privacy", language_code="en"))
    assert bot.api.texts()[-1].endswith(
        "If you do not write to me for 180 days, your data is deleted automatically. Closed "
        "conversations with the centre and past appointments are deleted after 90 days."
    )
    assert bot.api.texts()[-1].startswith(
        "Before we start: I store your chat number, the language you use and when you last "
        "wrote to me, so that I can answer you in your language. Responsible for this data: "
        "Kommunales Integrationszentrum Duisburg, "
    )
    async with bot.sessions() as session:
        session.add(User(chat_id=1, first_seen=datetime(2025, 1, 1, tzinfo=UTC),
                         last_seen=datetime(2025, 1, 2, tzinfo=UTC), blocked=False))  # fmt: skip
        await session.commit()
    assert len(await bot.rows(User)) == 2
    job_queue = bot.app.job_queue
    assert job_queue is not None
    [job] = job_queue.get_jobs_by_name("purge-inactive-users")
    await job.run(bot.app)
    assert [u.chat_id for u in await bot.rows(User)] == [CHAT]


async def test_the_jobs_run_as_the_table_says(bot: Bot) -> None:
    job_queue = bot.app.job_queue
    assert job_queue is not None
    for schedule in (
        EVENTS_FEED,
        KB_WATCH,
        PURGE_INACTIVE_USERS,
        PURGE_RECORDS,
        REMINDER_SWEEP_JOB,
        WEEKLY_DIGEST,
    ):
        [job] = job_queue.get_jobs_by_name(schedule.name)
        assert job.job.trigger.interval == schedule.interval, schedule.name


async def fails_with_a_message_for_the_user(update: Update, context: Context) -> None:
    """A handler whose use case refuses, with words for the person."""
    raise WegweiserError("slot 42 taken meanwhile", user_message="Talk to a person")


async def fails_without_a_message_for_the_user(update: Update, context: Context) -> None:
    """A handler whose use case fails with nothing to tell the person."""
    raise WegweiserError("nothing for the user here")


async def test_a_wegweiser_error_is_answered_with_its_message_in_the_users_language(
    bot: Bot,
) -> None:
    bot.app.add_handler(CommandHandler("refuse", fails_with_a_message_for_the_user), group=-9)
    bot.app.add_handler(CommandHandler("fail", fails_without_a_message_for_the_user), group=-9)
    bot.app.add_handler(
        CallbackQueryHandler(fails_with_a_message_for_the_user, pattern="^refuse$"), group=-9
    )
    await bot.send(updates.command(CHAT, "/refuse", language_code="uk"))
    assert bot.api.texts() == [gettext("uk", "Talk to a person")]  # no later handler answered
    assert gettext("uk", "Talk to a person") != "Talk to a person"
    bot.api.clear()
    await bot.send(updates.command(CHAT, "/language ar"))
    await bot.send(updates.callback(CHAT, "refuse", language_code="de"))
    [alert] = bot.api.sent("answerCallbackQuery")
    assert (alert["text"], alert["show_alert"]) == (gettext("ar", "Talk to a person"), True)
    bot.api.clear()
    await bot.send(updates.command(CHAT, "/fail", language_code="uk"))
    assert bot.api.texts() == []  # nothing made up: logged and set aside
