"""``wegweiser report``: the statistics of the settings' database as text, CSV or a chart,
through ``bot.cli.main`` (in this process, on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.insights import Activity, ActivityKind, QuestionOutcome
from tests.harness import empty_database

Q = ActivityKind.QUESTION


async def seed(database_url: str) -> None:
    """Two days ago: two confident Arabic questions, an unsure German one with the suggestion
    taken and a "yes", a conversation answered after 15 minutes; ten days ago a Turkish one."""
    now = datetime.now(UTC)
    recent, older = now - timedelta(days=2), now - timedelta(days=10)
    confident = Activity(Q, "ar", "school_entry", "school-entry-counselling",
                         QuestionOutcome.CONFIDENT)  # fmt: skip
    async with empty_database(database_url) as database, database() as work:
        for when, activity in (
            (recent, confident),
            (recent, confident),
            (recent, Activity(Q, "de", "parents", "griffbereit", QuestionOutcome.UNSURE)),
            (recent, Activity(ActivityKind.SUGGESTION_TAKEN, "de", "parents", "griffbereit")),
            (recent, Activity(ActivityKind.HANDOFF_OPENED, "ar", "school_entry")),
            (recent, Activity(ActivityKind.FIRST_STAFF_REPLY, "ar", seconds=900)),
            (older, Activity(Q, "tr", "school_entry", "school-entry-counselling",
                             QuestionOutcome.CONFIDENT)),
        ):  # fmt: skip
            await work.activity.record(activity, when)
        await work.feedback.add("griffbereit", "de", True, recent)
        await work.commit()


@pytest.fixture
def seeded(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The settings point at a seeded database (and no .env of the developer is read)."""
    asyncio.run(seed(database_url))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEGWEISER_DATABASE_URL", database_url)
    monkeypatch.delenv("WEGWEISER_KB", raising=False)
    return database_url


def test_csv_rows_of_the_last_week(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--since", "7d", "--format", "csv"]) == 0
    head, *rows = capsys.readouterr().out.splitlines()
    assert head == (
        "days,scope,key,questions,confident,confident_share,redirected,suggestions_taken,"
        "helpful_yes,helpful_no,handoffs_opened,handoffs_closed,reminders_sent,"
        "reminders_undeliverable,appointments_booked,appointments_confirmed,appointments_kept,"
        "appointments_cancelled,first_reply_median_seconds"
    )
    assert rows == [
        "7,total,,3,2,0.667,0,1,1,0,1,0,0,0,0,0,0,0,900",
        "7,language,ar,2,2,1.000,0,0,0,0,1,0,0,0,0,0,0,0,900",
        "7,language,de,1,0,0.000,0,1,1,0,0,0,0,0,0,0,0,0,",
        "7,topic,,0,0,,0,0,0,0,0,0,0,0,0,0,0,0,900",
        "7,topic,parents,1,0,0.000,0,1,1,0,0,0,0,0,0,0,0,0,",
        "7,topic,school_entry,2,2,1.000,0,0,0,0,1,0,0,0,0,0,0,0,",
    ]


def test_text_of_the_last_30_days(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report"]) == 0  # --since 30d
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("📊 Statistik: letzte 30 Tage, Stand ")
    assert lines[1:3] == ["Fragen: 4", "sicher beantwortet: 3 (75 %)"]
    assert "erste Antwort der Mitarbeitenden (Median): 15 Min." in lines
    assert "tr · Türkçe: Fragen 1 · sicher 100 %" in lines


def test_twelve_weeks_as_a_chart_and_csv_to_files(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = tmp_path / "weeks.png"
    assert main(["report", "--since", "12w", "--format", "png", "--output", str(chart)]) == 0
    assert capsys.readouterr().out == f"chart written to {chart}\n"
    png = chart.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == (1080, 1350)
    table = tmp_path / "report.csv"
    assert main(["report", "--since", "12w", "--format", "csv", "--output", str(table)]) == 0
    assert capsys.readouterr().out == f"report written to {table}\n"
    assert (
        table.read_text("utf-8").splitlines()[1]
        == "84,total,,4,3,0.750,0,1,1,0,1,0,0,0,0,0,0,0,900"
    )


@pytest.mark.parametrize("since", ["3x", "0d", "tomorrow"])
def test_a_bad_window_is_one_line_and_exit_2(
    since: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--since", since]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    expected = f"expected days or weeks such as 7d, 30d or 12w, not '{since}'"
    assert err == f"wegweiser report: --since: {expected}\n"


def test_a_database_never_migrated_is_one_line_and_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEGWEISER_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    assert main(["report"]) == 3
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("wegweiser report: database: OperationalError: ")
