"""Staff's statistics through the real bot: what families and staff do is counted (anonymously),
/stats shows it to staff only, the weekly digest goes out once with its chart, old events are
purged."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import inspect, select

from bot.core import staff_texts as texts
from bot.core.booking import FamilyAnswer
from bot.core.handoff import HandoffStatus
from bot.core.i18n import gettext
from bot.db import Activity, Appointment, AppointmentRepository, Digest, Feedback
from bot.services.conversations import Conversation
from bot.telegram.jobs import PURGE_RECORDS, WEEKLY_DIGEST
from bot.telegram.reminder_jobs import SWEEP
from handlers.family.info import PRIVACY_COUNTS
from tests import updates
from tests.fakes import FakeTelegram
from tests.harness import (
    ANNA,
    FAMILY,
    STAFF_CHAT,
    START,
    STRANGER,
    Bot,
    Desk,
    clear_tables,
    open_topic,
    running,
    start_desk,
    stop_desk,
)

ASKER_DE, ASKER_TR = 81002, 81003
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DIGEST = WEEKLY_DIGEST.name
PLACE = "Flachsmarkt 15, 1. Etage, 47051 Duisburg"


async def stats(desk: Desk) -> list[str]:
    """What /stats in the staff group answers Anna."""
    before = len(desk.texts_to(STAFF_CHAT))
    await desk.send(updates.in_staff_group(STAFF_CHAT, ANNA, "/stats"))
    return desk.texts_to(STAFF_CHAT)[before:]


async def run_job(desk: Desk, name: str) -> None:
    job_queue = desk.app.job_queue
    assert job_queue is not None
    [job] = job_queue.get_jobs_by_name(name)
    await job.run(desk.app)
    await desk.data.settle()


async def started_a_week_before(desk: Desk) -> None:
    """The bot's first start was a week before now (its first due digest passed over)."""
    now = desk.clock.moment
    desk.clock.moment = now - timedelta(days=7)
    await run_job(desk, DIGEST)
    desk.clock.moment = now
    assert desk.api.sent("sendPhoto") == []


async def digest_due(desk: Desk, due: datetime) -> Digest:
    digests: list[Digest] = await desk.rows(Digest)
    [found] = [d for d in digests if d.due_at == due]
    return found


def photos(desk: Desk) -> list[bytes]:
    return [content for method, _, content in desk.api.uploads if method == "sendPhoto"]


async def a_week_of_families_and_staff(desk: Desk) -> None:
    """Three families ask, one talks to staff and gets an appointment; all now (START)."""
    topic_id = await open_topic(desk, "ar")  # a confident answer (school entry), then a person
    desk.clock.advance(minutes=10)
    await desk.send(updates.in_topic(STAFF_CHAT, topic_id, ANNA, text="Wie alt ist Ihr Kind?"))
    desk.clock.advance(minutes=5)
    await desk.send(updates.in_topic(STAFF_CHAT, topic_id, ANNA, text="Kommen Sie bitte vorbei."))
    await desk.send(updates.in_topic(STAFF_CHAT, topic_id, ANNA, text="/appointment 17.12. 10:30"))
    [appointment] = await desk.rows(Appointment)
    await desk.send(updates.callback(FAMILY, f"appt:{appointment.id}:confirm"))
    await desk.send(updates.callback(FAMILY, f"appt:{appointment.id}:confirm"))  # pressed twice
    await desk.send(updates.in_topic(STAFF_CHAT, topic_id, ANNA, text="/close"))
    for question in ("Rucksack oder Griffbereit?", "Wann fährt der letzte Bus nach Essen?",
                     "hallo", "Ich brauche Hilfe beim Asylantrag", "😀"):  # fmt: skip
        await desk.send(updates.text(ASKER_DE, question))
    await desk.send(updates.callback(ASKER_DE, "sug:de:griffbereit"))
    await desk.send(updates.callback(ASKER_DE, "fb:de:griffbereit:1"))
    await desk.send(
        updates.text(ASKER_TR, "Çocuğumu okula nasıl kaydettirebilirim?", language_code="tr")
    )
    await desk.send(updates.callback(ASKER_TR, "fb:tr:school-entry-counselling:0"))


async def test_stats_count_what_families_and_staff_did(desk: Desk) -> None:
    await a_week_of_families_and_staff(desk)
    [message] = await stats(desk)
    assert message == "\n".join([
        "📊 Statistik: letzte 7 Tage | letzte 30 Tage, Stand 07.12.2026 09:15",
        "Fragen: 6 | 6",
        "sicher beantwortet: 2 (33 %) | 2 (33 %)",
        "an andere Stellen verwiesen: 1 | 1",
        "Vorschlag gewählt: 1 | 1",
        "„Hat das geholfen?“ ja/nein: 1/1 | 1/1",
        "Gespräche mit Mitarbeitenden geöffnet/geschlossen: 1/1 | 1/1",
        "erste Antwort der Mitarbeitenden (Median): 10 Min. | 10 Min.",
        "Erinnerungen gesendet/nicht zustellbar: 0/0 | 0/0",
        "Termine gebucht/bestätigt/abgesagt: 1/1/0 | 1/1/0",
        "Termine wahrgenommen¹: 0 | 0",
        texts.STATS_KEPT_NOTE,
        "",
        "Nach Sprache (7 Tage | 30 Tage):",
        "de · Deutsch: Fragen 4 | 4 · sicher 0 % | 0 % · Vorschläge 1 | 1 · ja/nein 1/0 | 1/0",
        "tr · Türkçe: Fragen 1 | 1 · sicher 100 % | 100 % · ja/nein 0/1 | 0/1",
        "ar · \u2067العربية\u2069: Fragen 1 | 1 · sicher 100 % | 100 % · Gespräche 1 | 1 · "
        "Termine 1 | 1 · erste Antwort 10 Min. | 10 Min.",
        "",
        "Nach Thema (7 Tage | 30 Tage):",
        "Schulanmeldung: Fragen 2 | 2 · sicher 100 % | 100 % · ja/nein 0/1 | 0/1 · "
        "Gespräche 1 | 1",
        "andere Stellen: Fragen 1 | 1 · sicher 0 % | 0 %",
        "Eltern: Fragen 1 | 1 · sicher 0 % | 0 % · Vorschläge 1 | 1 · ja/nein 1/0 | 1/0",
        "ohne Thema: Fragen 2 | 2 · sicher 0 % | 0 % · Termine 1 | 1 · "
        "erste Antwort 10 Min. | 10 Min.",
    ])  # fmt: skip


async def test_the_events_say_nothing_of_who(desk: Desk) -> None:
    await a_week_of_families_and_staff(desk)
    columns = {c.key for c in inspect(Activity).columns}
    assert columns == {"id", "at", "kind", "lang", "topic", "entry_id", "outcome", "seconds"}
    assert await desk.services.questions.activity.flush()  # the questions' events, written late
    rows = await desk.rows(Activity)
    assert {row.at for row in rows} == {START}  # to the hour: not matched to a message
    assert len(rows) == 12  # 6 questions, 1 suggestion, 1+1+1 conversation, 1+1 appointment
    stored = " ".join(str(v) for row in rows for v in vars(row).values())
    assert str(FAMILY) not in stored
    assert "Griffbereit?" not in stored


async def test_older_events_count_in_the_longer_window_only(desk: Desk) -> None:
    questions = desk.services.questions
    desk.clock.moment = START - timedelta(days=20)
    await questions.answer("Çocuğumu okula nasıl kaydettirebilirim?", lang=None, hint="tr")
    await questions.record_vote(ASKER_TR, "school-entry-counselling", "tr", True)
    desk.clock.moment = START - timedelta(days=40)  # in neither window
    await questions.answer("Wo kann ich mich ehrenamtlich engagieren?", lang=None, hint="de")
    desk.clock.moment = START - timedelta(days=3)
    await questions.answer("Rucksack oder Griffbereit?", lang=None, hint="de")
    desk.clock.moment = START
    [message] = await stats(desk)
    lines = message.splitlines()
    assert lines[1:3] == ["Fragen: 1 | 2", "sicher beantwortet: 0 (0 %) | 1 (50 %)"]
    assert "„Hat das geholfen?“ ja/nein: 0/0 | 1/0" in lines
    assert "tr · Türkçe: Fragen 0 | 1 · sicher – | 100 % · ja/nein 0/0 | 1/0" in lines
    older = await desk.services.insights.figures(60)
    assert (older.total.questions, older.by_topic["volunteering"].confident) == (3, 1)


async def _booked(desk: Desk, starts_in: timedelta, remind: bool = False) -> int:
    async with desk.sessions() as session:
        appointment = await AppointmentRepository(session).book(
            chat_id=FAMILY, handoff_id=(await desk.handoff()).id, lang="ar", place=PLACE,
            starts_at=START + starts_in, bring=None, now=START - timedelta(days=9),
            reminders=[START - timedelta(seconds=5)] if remind else [],
        )  # fmt: skip
        await session.commit()
        return appointment.id


async def test_reminders_and_kept_appointments_are_counted(desk: Desk) -> None:
    await open_topic(desk, "ar")
    handoff = await desk.handoff()
    status = HandoffStatus(handoff.status)
    conversation = Conversation(handoff.id, FAMILY, "ar", status, handoff.topic_id)
    await _booked(desk, -timedelta(days=2))  # over, never cancelled: kept
    cancelled = await _booked(desk, -timedelta(days=3))
    await desk.services.appointments.cancel_by_centre(cancelled, conversation)
    other = await _booked(desk, -timedelta(days=4))
    await desk.services.appointments.answer(other, FAMILY, FamilyAnswer.OTHER)  # not kept
    await _booked(desk, -timedelta(days=40))  # kept, but long ago
    await _booked(desk, timedelta(hours=2), remind=True)
    await run_job(desk, SWEEP)
    desk.api.fail["sendMessage"] = (403, "Forbidden: bot was blocked by the user")
    await _booked(desk, timedelta(hours=3), remind=True)
    await run_job(desk, SWEEP)
    del desk.api.fail["sendMessage"]
    lines = (await stats(desk))[0].splitlines()
    assert "Erinnerungen gesendet/nicht zustellbar: 1/1 | 1/1" in lines
    assert "Termine gebucht/bestätigt/abgesagt: 0/0/1 | 0/0/1" in lines
    assert "Termine wahrgenommen¹: 1 | 1" in lines


async def test_stats_are_for_staff_in_the_staff_group_only(desk: Desk) -> None:
    await desk.send(updates.command(FAMILY, "/stats"))
    assert desk.texts_to(FAMILY) == [texts.ONLY_STAFF]
    await desk.send(updates.in_staff_group(STAFF_CHAT, STRANGER, "/stats"))
    assert desk.texts_to(STAFF_CHAT) == [texts.ONLY_STAFF]
    await desk.send(updates.command(ANNA, "/stats"))
    assert desk.texts_to(ANNA) == [texts.USE_IN_STAFF_GROUP]
    assert [m for m in await stats(desk) if m.startswith(texts.STATS_TITLE)]  # Anna, there


async def test_the_weekly_digest_goes_out_once_with_the_chart_and_the_figures(
    database_url: str, desk: Desk
) -> None:
    await started_a_week_before(desk)
    await a_week_of_families_and_staff(desk)
    desk.api.clear()
    await run_job(desk, DIGEST)  # Monday, after 8:00 in Duisburg: due since 8:00
    [photo] = desk.api.sent("sendPhoto")
    assert int(photo["chat_id"]) == STAFF_CHAT
    caption = photo["caption"].splitlines()
    assert caption[0] == "📊 Wochenbericht: letzte 7 Tage | letzte 30 Tage, Stand 07.12.2026 09:15"
    assert "Fragen: 6 | 6" in caption
    assert "Vorschlag gewählt: 1 | 1" in caption
    assert len(photo["caption"]) <= 1024
    [png] = photos(desk)
    assert png.startswith(PNG_MAGIC)
    assert len(png) > 20_000
    [details] = desk.texts_to(STAFF_CHAT)
    assert details.startswith("Nach Sprache (7 Tage | 30 Tage):\nde · Deutsch: Fragen 4 | 4")
    sent = await digest_due(desk, START - timedelta(hours=1))
    assert sent.sent_at == desk.clock()

    desk.clock.advance(minutes=10)
    await run_job(desk, DIGEST)  # the next check
    api = FakeTelegram()
    second = Desk(await start_desk(database_url, api), api)  # another process, same database
    try:
        await run_job(second, DIGEST)
    finally:
        await stop_desk(second.app)
    assert len(desk.api.sent("sendPhoto")) == 1
    assert api.sent("sendPhoto") == []


async def test_the_digest_waits_for_its_weekday_and_hour(database_url: str) -> None:
    async with running(database_url, Desk, digest_weekday="wednesday", digest_hour=10) as desk:
        desk.clock.moment = START - timedelta(days=5, hours=-1)  # Wednesday before, 10:00 local
        await started_a_week_before(desk)
        await run_job(desk, DIGEST)
        assert len(desk.api.sent("sendPhoto")) == 1
        desk.clock.moment = START + timedelta(days=2)  # Wednesday 9:00 in Duisburg
        await run_job(desk, DIGEST)
        assert len(desk.api.sent("sendPhoto")) == 1
        desk.clock.advance(minutes=59)
        await run_job(desk, DIGEST)
        assert len(desk.api.sent("sendPhoto")) == 1
        desk.clock.advance(minutes=1)  # 10:00
        await run_job(desk, DIGEST)
        assert len(desk.api.sent("sendPhoto")) == 2


async def test_a_digest_missed_while_down_is_sent_when_the_bot_is_back(database_url: str) -> None:
    async with running(database_url, Desk) as desk:
        desk.clock.moment = START - timedelta(days=7)  # last week's went out
        await started_a_week_before(desk)
        await run_job(desk, DIGEST)
        assert len(desk.api.sent("sendPhoto")) == 1
    api = FakeTelegram()
    back = Desk(await start_desk(database_url, api), api)  # down over Monday 8:00, back Tuesday
    try:
        back.clock.moment = START + timedelta(days=1)
        await run_job(back, DIGEST)  # what the job does right after the start
        [photo] = api.sent("sendPhoto")
        assert photo["caption"].startswith("📊 Wochenbericht: letzte 7 Tage | letzte 30 Tage, "
                                           "Stand 08.12.2026 09:00")  # fmt: skip
    finally:
        await stop_desk(back.app)
    assert WEEKLY_DIGEST.first <= timedelta(minutes=1)


async def test_two_processes_at_once_send_one_digest(database_url: str, desk: Desk) -> None:
    await started_a_week_before(desk)
    api = FakeTelegram()
    other = Desk(await start_desk(database_url, api), api)
    try:
        await asyncio.gather(run_job(desk, DIGEST), run_job(other, DIGEST))
    finally:
        await stop_desk(other.app)
    assert len(desk.api.sent("sendPhoto")) + len(api.sent("sendPhoto")) == 1


async def test_a_digest_telegram_did_not_take_is_sent_at_the_next_check(desk: Desk) -> None:
    await started_a_week_before(desk)
    desk.api.fail["sendPhoto"] = (502, "Bad Gateway")
    await run_job(desk, DIGEST)
    digest = await digest_due(desk, START - timedelta(hours=1))
    assert (digest.sent_at, digest.claimed_at) == (None, None)  # released, not lost
    del desk.api.fail["sendPhoto"]
    desk.clock.advance(minutes=10)
    await run_job(desk, DIGEST)
    assert len(desk.api.sent("sendPhoto")) == 2  # the failed try, then the one that arrived
    assert photos(desk)


async def test_the_first_start_sends_no_digest_of_the_time_before(desk: Desk) -> None:
    await run_job(desk, DIGEST)  # installed on a Monday after 8:00: that digest is passed over
    assert desk.api.sent("sendPhoto") == []
    passed = await digest_due(desk, START - timedelta(hours=1))
    assert (passed.owner, passed.sent_at) == ("first start", START)
    desk.clock.advance(hours=2)
    await desk.send(updates.text(FAMILY, "Wo melde ich mein Kind in der Schule an?"))
    desk.clock.moment = START + timedelta(days=7)
    await run_job(desk, DIGEST)  # the next Monday: the first digest, with that question
    [photo] = desk.api.sent("sendPhoto")
    assert "Fragen: 1 | 1" in photo["caption"].splitlines()


async def test_a_weekday_moved_back_sends_no_second_digest_that_week(database_url: str) -> None:
    api = FakeTelegram()
    monday = Desk(await start_desk(database_url, api), api)
    try:
        await clear_tables(monday.app)
        await started_a_week_before(monday)
        await run_job(monday, DIGEST)  # Monday 8:00's digest went out
        assert len(api.sent("sendPhoto")) == 1
    finally:
        await stop_desk(monday.app)
    api = FakeTelegram()
    sunday = Desk(await start_desk(database_url, api, digest_weekday="sunday"), api)
    try:  # restarted on Tuesday with the digest on Sundays: the last Sunday is before Monday
        sunday.clock.moment = START + timedelta(days=1)
        await run_job(sunday, DIGEST)
        assert api.sent("sendPhoto") == []
        sunday.clock.moment = START + timedelta(days=6, hours=1)  # Sunday 10:00 in Duisburg
        await run_job(sunday, DIGEST)
        assert len(api.sent("sendPhoto")) == 1
    finally:
        await stop_desk(sunday.app)


async def test_no_digest_when_switched_off(database_url: str) -> None:
    async with running(database_url, Desk, digest_weekday="off") as desk:
        await run_job(desk, DIGEST)
        assert desk.api.sent("sendPhoto") == []
        assert await desk.rows(Digest) == []


async def test_old_events_are_purged_by_the_daily_purge(database_url: str) -> None:
    async with running(database_url, Desk, statistics_retention_days=100) as desk:
        desk.clock.moment = START - timedelta(days=101)
        await desk.services.questions.answer("hallo", lang=None, hint="de")
        desk.clock.moment = START - timedelta(days=99)
        await desk.services.questions.answer("hallo", lang=None, hint="de")
        await desk.services.questions.record_vote(FAMILY, "contact", "de", helpful=True)
        desk.clock.moment = START - timedelta(days=101)
        await desk.services.questions.record_vote(FAMILY, "about", "de", helpful=True)
        desk.clock.moment = START
        await run_job(desk, PURGE_RECORDS.name)
        async with desk.sessions() as session:
            kept = (await session.scalars(select(Activity.at))).all()
            votes = (await session.scalars(select(Feedback.entry_id))).all()
        assert kept == [START - timedelta(days=99)]
        assert votes == ["contact"]  # the votes are statistics too


async def test_privacy_tells_families_what_is_counted(bot: Bot) -> None:
    await bot.send(updates.command(FAMILY, "/privacy", language_code="ar"))
    assert gettext("ar", PRIVACY_COUNTS) in bot.api.texts()[-1]
    assert gettext("ar", PRIVACY_COUNTS) != PRIVACY_COUNTS  # in the family's language
