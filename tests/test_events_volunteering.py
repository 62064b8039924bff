"""Events (past never upcoming, calendar, remind me, new-date notices), reload, volunteering."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.core.assistant import Assistant
from bot.core.i18n import gettext
from bot.core.knowledge import check_knowledge_base, load_knowledge_base
from bot.db import Appointment, EventReminder, Reminder
from bot.settings import BUNDLED_KNOWLEDGE
from handlers.staff.reload import watch_files
from tests import updates
from tests.harness import (
    ANNA,
    FAMILY,
    STAFF_CHAT,
    START,
    Desk,
    running,
)

FEST = "fest-der-vielfalt-2016"


@pytest.fixture
async def editable(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Desk, Path]]:
    """A desk whose knowledge base is a copy staff may edit."""
    directory = tmp_path / "duisburg"
    shutil.copytree(BUNDLED_KNOWLEDGE / "duisburg", directory)
    assistant = Assistant.for_knowledge_base(load_knowledge_base(directory))
    async with running(database_url, Desk, assistant) as desk:
        yield desk, directory


def set_fest(directory: Path, start: str, end: str) -> None:
    path = directory / "events.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    data["events"][0]["start"], data["events"][0]["end"] = start, end
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def future(days: int) -> str:
    return (START.date() + timedelta(days=days)).isoformat()


async def test_past_events_are_not_upcoming_and_a_new_date_is_announced_once(
    editable: tuple[Desk, Path],
) -> None:
    desk, directory = editable
    await desk.send(updates.command(FAMILY, "/events", language_code="de"))
    texts = desk.texts_to(FAMILY)
    assert texts[0] == gettext("de", "There are no upcoming events at the moment.")
    assert "Der letzte Termin war am Sonntag, 12. Juni 2016" in texts[1]
    assert desk.api.buttons()[0][1] == f"evsub:de:{FEST}"
    await desk.send(updates.callback(FAMILY, f"evsub:de:{FEST}"))
    desk.api.clear()
    set_fest(directory, f"{future(30)} 13:00", f"{future(30)} 18:00")
    await desk.send(updates.in_topic(STAFF_CHAT, 1, ANNA, text="/reload"))
    [notice] = desk.texts_to(FAMILY)
    assert notice.startswith("Neuer Termin: Fest der Vielfalt")
    assert "1 Abonnent" in desk.texts_to(STAFF_CHAT)[-1]
    desk.api.clear()
    await desk.send(updates.in_topic(STAFF_CHAT, 1, ANNA, text="/reload"))
    assert desk.texts_to(FAMILY) == []  # one message, not one per reload


async def test_staff_learn_how_many_subscribers_the_new_date_did_not_reach(
    editable: tuple[Desk, Path],
) -> None:
    desk, directory = editable
    await desk.send(updates.callback(FAMILY, f"evsub:de:{FEST}"))
    set_fest(directory, f"{future(30)} 13:00", f"{future(30)} 18:00")
    desk.api.fail_once["sendMessage"] = (403, "Forbidden: bot was blocked by the user", {})
    await desk.send(updates.in_topic(STAFF_CHAT, 1, ANNA, text="/reload"))
    kb, problems = check_knowledge_base(directory)
    assert kb is not None
    warnings = sum(p.level == "warning" for p in problems)
    assert desk.texts_to(STAFF_CHAT)[-1] == (
        f"Wissensbasis neu geladen: {len(kb.entries)} Einträge, {len(kb.events)} Termine, "
        f"{warnings} Warnungen; 0 Abonnent(en) über neue Termine informiert. "
        "1 Abonnent(en) nicht erreicht (blockiert oder gerade nicht zustellbar)."
    )


async def test_a_broken_edit_keeps_the_old_version_and_staff_learn_why(
    editable: tuple[Desk, Path],
) -> None:
    desk, directory = editable
    (directory / "entries" / "tutoring.yaml").write_text("id: tutoring\ntopic: [", "utf-8")
    await desk.send(updates.in_topic(STAFF_CHAT, 1, ANNA, text="/reload"))
    report = desk.texts_to(STAFF_CHAT)[-1]
    assert report.startswith("Die geänderte Wissensbasis hat Fehler")
    assert "entries/tutoring.yaml: line" in report
    await desk.send(updates.text(FAMILY, "Gibt es Nachhilfe ab Klasse 5?"))
    assert "Klasse 5" in desk.texts_to(FAMILY)[-1]  # the old knowledge base still answers


async def test_a_changed_file_is_noticed_without_a_command(editable: tuple[Desk, Path]) -> None:
    desk, directory = editable
    job_queue = desk.app.job_queue
    assert job_queue is not None
    [watch] = job_queue.get_jobs_by_name("kb-watch")
    await watch.run(desk.app)  # remembers the files as they are
    set_fest(directory, f"{future(40)} 14:00", f"{future(40)} 17:00")
    await watch.run(desk.app)
    assert desk.texts_to(STAFF_CHAT)[-1].startswith("Wissensbasis neu geladen")
    assert watch.callback is watch_files


async def test_upcoming_event_calendar_and_remind_me(editable: tuple[Desk, Path]) -> None:
    desk, directory = editable
    set_fest(directory, f"{future(20)} 13:00", f"{future(20)} 18:00")
    await desk.send(updates.in_topic(STAFF_CHAT, 1, ANNA, text="/reload"))
    desk.api.clear()
    await desk.send(updates.command(FAMILY, "/events", language_code="tr"))
    header, event = desk.texts_to(FAMILY)
    assert header == gettext("tr", "Upcoming events:")
    assert "vor dem Kultur- und Stadthistorischen Museum, Duisburg" in event
    assert [d for _, d in desk.api.buttons()] == [f"evics:tr:{FEST}", f"evrem:tr:{FEST}"]
    await desk.send(updates.callback(FAMILY, f"evics:tr:{FEST}"))
    assert desk.api.sent("sendDocument")
    await desk.send(updates.callback(FAMILY, f"evrem:tr:{FEST}"))
    async with desk.sessions() as session:
        [reminder] = (await session.scalars(select(Reminder))).all()
        [wish] = (await session.scalars(select(EventReminder))).all()
        assert (await session.scalars(select(Appointment))).all() == []
    assert reminder.event_reminder_id == wish.id
    assert wish.event_id == FEST
    assert wish.title is not None
    assert wish.starts_at - reminder.due_at == timedelta(days=1)


async def test_volunteers_find_programmes_contacts_and_can_leave_a_message(desk: Desk) -> None:
    await desk.send(updates.command(FAMILY, "/volunteer", language_code="en"))
    data = [d for _, d in desk.api.buttons()]
    assert "ans:en:komm-an-nrw" in data
    assert data[-1] == "volmsg:en"
    await desk.send(updates.command(FAMILY, "/contact Seiteneinsteiger", language_code="en"))
    assert "Flachsmarkt 15, 1. Etage" in desk.texts_to(FAMILY)[-1]
    for other_script in ("/contact школа", "/contact okul kaydı", "/contact تسجيل المدرسة"):
        await desk.send(updates.command(FAMILY, other_script, language_code="ru"))
        assert "Flachsmarkt 15, 1. Etage" in desk.texts_to(FAMILY)[-1], other_script
    await desk.send(updates.command(FAMILY, "/contact Marxloh", language_code="de"))
    assert "Marienstraße 16a" in desk.texts_to(FAMILY)[-1]  # the youth centre there
    await desk.send(updates.command(FAMILY, "/contact Hausaufgabenhilfe", language_code="de"))
    assert "Klasse 5" in desk.texts_to(FAMILY)[-1]
    await desk.send(updates.command(FAMILY, "/contact Zahnarzt", language_code="en"))
    assert desk.texts_to(FAMILY)[-1].startswith("No contact person found")
    await desk.send(updates.callback(FAMILY, "volmsg:en", language_code="en"))
    [topic] = desk.api.sent("createForumTopic")
    assert "Ehrenamt" in topic["name"]
    assert desk.texts_to(FAMILY)[-1].startswith("Please write your message")


async def test_questions_about_events_and_helping_show_the_lists(desk: Desk) -> None:
    await desk.send(updates.text(FAMILY, "Wann ist das nächste Fest der Vielfalt?"))
    assert gettext("de", "There are no upcoming events at the moment.") in desk.texts_to(FAMILY)
    desk.api.clear()
    await desk.send(updates.text(FAMILY, "Ich möchte ehrenamtlich Flüchtlingen helfen"))
    assert desk.api.buttons()[-1][1] == "volmsg:de"
