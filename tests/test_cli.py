"""The ``wegweiser`` command as a real process: ask, chat, run and kb check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.factories import entry, small_kb, write_kb
from tests.model import needs_model

WEGWEISER = Path(sys.executable).parent / "wegweiser"
# The small knowledge bases' embeddings go to a folder of the run, not the project's cache.
CACHE = {"WEGWEISER_CACHE_DIR": tempfile.mkdtemp(prefix="wegweiser-cache-")}


def run(
    *args: str | Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WEGWEISER), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "WEGWEISER_TELEGRAM_TOKEN": "", **CACHE, **(env or {})},
        check=False,
    )


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_kb(tmp_path_factory.mktemp("kb"))


def test_ask_json_reads_one_question_per_line(kb: Path) -> None:
    questions = (
        "Where do I register my child for school?\nwie wird das Wetter morgen\n\n"
        "Schulplatz oder Nachhilfe\n"
    )
    result = run("ask", "--kb", kb, "--json", "-", stdin=questions)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == questions.splitlines()
    first, weather, empty, short = lines
    assert (first["entry"], first["confident"], first["lang"]) == ("school", True, "en")
    assert first["answer"].split("\n\n")[0] == (
        "Counselling is at the Internationales Zentrum, Flachsmarkt 15."
    )
    assert "📍 Flachsmarkt 15, 12345 Testhausen" in first["answer"]
    assert first["kind"] == "answer"
    assert (weather["entry"], weather["confident"], weather["handoff_offered"]) == (
        None,
        False,
        True,
    )
    assert empty["entry"] is None
    # Two topics at once: both offered (unsure), or one answered and the other offered.
    assert {short["entry"], *(s["entry"] for s in short["suggestions"])} == {"school", "tutoring"}
    assert set(first) == {
        "question", "lang", "entry", "score", "confident", "kind", "answer", "suggestions",
        "handoff_offered",
    }  # fmt: skip


def test_ask_plain_with_language_choice(kb: Path) -> None:
    result = run("ask", "--kb", kb, "--lang", "de", "Where", "do I register my child for school?")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Die Beratung ist im Internationalen Zentrum, Flachsmarkt 15. "
        "📍 Flachsmarkt 15, 12345 Testhausen (Beratung Seiteneinsteiger) "
        "☎ 01234 5678 · ✉ ki@testhausen.example — Kommunales Integrationszentrum Testhausen\n"
    )


def test_python_dash_m_bot_is_the_same_command(kb: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--kb", str(kb), "tutoring"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_unknown_language_is_a_usage_error(kb: Path) -> None:
    result = run("ask", "--kb", kb, "--lang", "xx", "hello")
    assert result.returncode == 2
    assert "unknown language 'xx'" in result.stderr


def test_chat_conversation(kb: Path) -> None:
    typed = "\n".join(
        [
            "Where do I register my child for school?",
            "Schulplatz oder Nachhilfe",
            "7",
            "2",
            "/lang tr",
            "/lang xx",
            "/quit",
        ]
    )
    # The lexical matcher alone is unsure here and offers both topics; with the model, see below.
    result = run("chat", "--kb", kb, stdin=typed + "\n", env={"WEGWEISER_SEMANTIC": "off"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Counselling is at the Internationales Zentrum, Flachsmarkt 15." in out
    assert "  1. " in out
    assert "  2. " in out
    assert "zwischen 1 und 2" in out  # "7" is out of range: the chat asks for 1 or 2, in German
    assert "Türkçe" in out
    assert '"xx"' in out
    assert "01234 5678" in out  # the centre's phone is offered when the bot is unsure
    assert "Traceback" not in result.stderr


@needs_model
def test_chat_offers_a_close_runner_up_under_an_answer(kb: Path) -> None:
    typed = "\n".join(["Schulplatz oder Nachhilfe", "7", "1", "/quit"])
    result = run("chat", "--kb", kb, stdin=typed + "\n")
    assert result.returncode == 0, result.stderr
    answer, rest = result.stdout.split("  1. Nachhilfe", 1)
    assert "Die Beratung ist im Internationalen Zentrum, Flachsmarkt 15." in answer
    assert "  2. " not in rest
    _, after_one = rest.split("Bitte tippen Sie 1, um dieses Thema zu öffnen.", 1)
    assert "Antwort tutoring (de)" in after_one  # "1" opens the runner-up


def test_run_without_token_is_the_terminal_chat_and_ends_on_end_of_input(kb: Path) -> None:
    result = run("run", env={"WEGWEISER_KB": str(kb)})
    assert result.returncode == 0, result.stderr
    assert "Wegweiser" in result.stdout


def test_kb_check_ok_and_broken(kb: Path, tmp_path: Path) -> None:
    ok = run("kb", "check", kb)
    assert ok.returncode == 0
    assert "ok — 3 entries" in ok.stdout

    broken = write_kb(tmp_path, [entry("alpha", topic="weather", related=["nowhere"])])
    (broken / "entries" / "bad.yaml").write_text("id: [", "utf-8")
    result = run("kb", "check", broken)
    assert result.returncode == 1
    assert "testhausen/entries/alpha.yaml: topic:" in result.stdout
    assert "testhausen/entries/bad.yaml: line 1" in result.stdout
    assert "NOT usable" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_broken_knowledge_base_stops_ask_with_the_report(tmp_path: Path) -> None:
    broken = write_kb(tmp_path, [entry("alpha", related=["nowhere"])])
    result = run("ask", "--kb", broken, "hello")
    assert result.returncode == 1
    assert "entries/alpha.yaml: related: no entry with id 'nowhere'" in result.stderr
    assert "Traceback" not in result.stderr


def test_kb_check_of_a_folder_of_knowledge_bases() -> None:
    root = Path(__file__).resolve().parent.parent / "knowledge"
    result = run("kb", "check", root)
    assert result.returncode == 0, result.stdout
    assert result.stdout.count(": ok — ") == 3
