"""The statistics' arithmetic and text without a database: totals, shares, the median, the
digest's due moment, the German text and the CSV."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import get_args
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import staff_texts as texts
from bot.core.insights import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    NO_TOPIC,
    WEEKDAYS,
    Fact,
    Measure,
    ReplyTime,
    Tally,
    chart_of,
    csv_text,
    digest_texts,
    duration_text,
    facts_of_events,
    last_due,
    pack,
    parse_days,
    question_activity,
    stats_messages,
    tally,
    topic_name,
)
from bot.core.knowledge import Topic
from bot.core.languages import LANGS
from tests.harness import duisburg

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
langs = st.sampled_from([*LANGS, "xx"])
topics = st.sampled_from([None, "school_entry", "parents", "volunteering"])
facts = st.lists(
    st.builds(Fact, st.sampled_from(list(Measure)), langs, topics, st.integers(0, 50)),
    max_size=40,
)
replies = st.lists(st.builds(ReplyTime, langs, topics, st.integers(0, 10**6)), max_size=10)


def summed(tallies: list[Tally]) -> Tally:
    total = Tally()
    for counted in tallies:
        total = total + counted
    return total


@given(facts=facts, replies=replies)
def test_totals_are_the_sums_per_language_and_per_topic(
    facts: list[Fact], replies: list[ReplyTime]
) -> None:
    figures = tally(7, NOW, facts, replies)
    assert summed(list(figures.by_lang.values())) == figures.total
    assert summed(list(figures.by_topic.values())) == figures.total
    for measure in Measure:
        assert figures.total.count(measure) == sum(f.count for f in facts if f.measure is measure)
    assert Counter(figures.total.reply_seconds) == Counter(r.seconds for r in replies)


@given(facts=facts, replies=replies)
def test_shares_and_medians_stay_within_their_bounds(
    facts: list[Fact], replies: list[ReplyTime]
) -> None:
    figures = tally(30, NOW, facts, replies)
    for counted in [figures.total, *figures.by_lang.values()]:
        median = counted.median_reply_seconds
        if counted.reply_seconds:
            assert median is not None
            assert min(counted.reply_seconds) <= median <= max(counted.reply_seconds)
        else:
            assert median is None
        if counted.questions == 0:
            assert counted.confident_share is None


@given(facts=facts, replies=replies)
def test_the_text_fits_telegram_and_the_caption_fits_a_photo(
    facts: list[Fact], replies: list[ReplyTime]
) -> None:
    windows = [tally(7, NOW, facts, replies), tally(30, NOW, facts, replies)]
    messages = stats_messages(windows, texts.STATS_TITLE, BERLIN)
    assert all(0 < len(m) <= MESSAGE_LIMIT for m in messages)
    caption, more = digest_texts(windows, BERLIN)
    assert len(caption) <= CAPTION_LIMIT
    assert all(len(m) <= MESSAGE_LIMIT for m in more)


@given(st.lists(st.lists(st.text(min_size=1, max_size=300), max_size=30), max_size=5))
def test_packing_keeps_every_line_in_order_within_the_limit(blocks: list[list[str]]) -> None:
    messages = pack(blocks, limit=500)
    assert all(len(m) <= 500 for m in messages)
    kept = "\n".join(messages).replace("\n\n", "\n").split("\n")
    assert [line for line in kept if line] == [
        part for block in blocks for line in block for part in line.split("\n") if part
    ]


def test_a_median_of_an_even_count_lies_between_the_middle_two() -> None:
    figures = tally(7, NOW, [], [ReplyTime("de", None, s) for s in (60, 600, 900, 7200)])
    assert figures.total.median_reply_seconds == 750
    assert duration_text(750) == "12 Min."


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(None, "–"), (45, "45 Sek."), (59.6, "1 Min."), (3899, "1 Std. 4 Min."),
     (2 * 86400 + 3 * 3600 + 59, "2 Tg. 3 Std.")],
)  # fmt: skip
def test_durations_the_short_german_way(seconds: float | None, said: str) -> None:
    assert duration_text(seconds) == said


@pytest.mark.parametrize(("text", "days"), [("7d", 7), ("30d", 30), ("12w", 84), ("14", 14),
                                             (" 2W ", 14)])  # fmt: skip
def test_windows_in_days_or_weeks(text: str, days: int) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["", "0d", "3x", "-7d", "7 days", "99999d", "1.5w"])
def test_a_window_that_is_none_is_refused_with_the_reason(text: str) -> None:
    with pytest.raises(ValueError, match="such as 7d, 30d or 12w"):
        parse_days(text)


@given(
    minutes=st.integers(-3 * 365 * 24 * 60, 3 * 365 * 24 * 60),
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
)
def test_the_digest_is_due_at_its_weekday_and_hour_within_the_last_week(
    minutes: int, weekday: int, hour: int
) -> None:
    now = NOW + timedelta(minutes=minutes)
    due = last_due(now, BERLIN, weekday, hour)
    assert due <= now
    assert now - due < timedelta(days=7, hours=1)  # a week, give or take a clock change
    local = due.astimezone(BERLIN)
    assert local.weekday() == weekday
    assert local.hour == hour or (hour, local.hour) == (2, 3)  # no 2:00 on the spring change


def test_monday_eight_in_duisburg() -> None:
    monday = WEEKDAYS.index("monday")
    assert last_due(NOW, BERLIN, monday, 8) == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    assert last_due(NOW, BERLIN, monday, 10) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_what_each_reply_counts_as() -> None:
    assistant = duisburg()
    outcomes = {}
    for question in ("Wo ist das Internationale Zentrum?", "Rucksack oder Griffbereit?",
                     "Wann fährt der letzte Bus nach Essen?", "hallo",
                     "Ich brauche Hilfe beim Asylantrag", "😀"):  # fmt: skip
        event = question_activity(assistant.reply(question), None)
        outcomes[question] = event.outcome if event else None
    assert list(outcomes.values()) == [
        "confident",
        "unsure",
        "none",
        "smalltalk",
        "redirect",
        None,
    ]
    counted = [
        fact.measure
        for outcome in ("confident", "redirect", "unsure")
        for fact in facts_of_events("question", outcome, "de", None, 1)
    ]
    assert counted == [Measure.QUESTIONS, Measure.CONFIDENT, Measure.QUESTIONS,
                       Measure.REDIRECTED, Measure.QUESTIONS]  # fmt: skip
    assert facts_of_events("a kind of a newer version", None, "de", None, 3) == []


def test_csv_rows_per_window_language_and_topic() -> None:
    figures = tally(
        7,
        NOW,
        [Fact(Measure.QUESTIONS, "ar", "school_entry", 3),
         Fact(Measure.CONFIDENT, "ar", "school_entry", 2),
         Fact(Measure.HANDOFFS_OPENED, "de", None)],
        [ReplyTime("de", None, 601)],
    )  # fmt: skip
    head, *rows = csv_text([figures]).splitlines()
    assert head.startswith("days,scope,key,questions,confident,confident_share,redirected,")
    assert head.endswith(",appointments_cancelled,first_reply_median_seconds")
    assert rows == [
        "7,total,,3,2,0.667,0,0,0,0,1,0,0,0,0,0,0,0,601",
        "7,language,ar,3,2,0.667,0,0,0,0,0,0,0,0,0,0,0,0,",
        "7,language,de,0,0,,0,0,0,0,1,0,0,0,0,0,0,0,601",
        f"7,topic,{NO_TOPIC},0,0,,0,0,0,0,1,0,0,0,0,0,0,0,601",
        "7,topic,school_entry,3,2,0.667,0,0,0,0,0,0,0,0,0,0,0,0,",
    ]


def test_the_chart_names_languages_in_their_own_script_and_sums_up_the_rest() -> None:
    weeks = [
        tally(7, NOW - timedelta(days=7 * back),
              [Fact(Measure.QUESTIONS, lang, None, n + back) for n, lang in enumerate(LANGS)])
        for back in (1, 0)
    ]  # fmt: skip
    month = tally(30, NOW, [Fact(Measure.QUESTIONS, "ar", "parents", 4),
                            Fact(Measure.CONFIDENT, "ar", "parents", 3)])  # fmt: skip
    chart = chart_of(weeks, month, BERLIN)
    assert chart.week_labels == ("23.11.", "30.11.")
    assert [s.label for s in chart.weeks] == ["Русский", "Українська", "Български", "Română",
                                              "العربية"]  # fmt: skip
    assert chart.other_languages is not None
    assert chart.other_languages.values == (3 + 2 + 1, 2 + 1 + 0)  # tr, en, de
    assert chart.topic_labels == ("Eltern",)
    assert [s.values for s in chart.topics] == [(3,), (1,)]


def test_every_topic_has_a_german_label() -> None:
    assert set(texts.TOPIC_LABELS) == set(get_args(Topic))
    assert topic_name("school_entry") == "Schulanmeldung"
    assert topic_name("") == texts.STATS_NO_TOPIC
