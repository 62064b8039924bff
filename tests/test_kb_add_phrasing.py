"""``wegweiser kb add-phrasing`` as a real process, on a copy of a bundled knowledge base: a
one-line diff printed and written, a repeat changes nothing, a refused edit leaves the file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from bot.settings import BUNDLED_KNOWLEDGE

WEGWEISER = Path(sys.executable).parent / "wegweiser"
CACHE = {"WEGWEISER_CACHE_DIR": tempfile.mkdtemp(prefix="wegweiser-cache-")}


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WEGWEISER), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "WEGWEISER_TELEGRAM_TOKEN": "", **CACHE},
        check=False,
    )


def test_add_phrasing_prints_and_writes_a_one_line_diff(tmp_path: Path) -> None:
    kb = Path(shutil.copytree(BUNDLED_KNOWLEDGE / "krefeld", tmp_path / "krefeld"))
    path = kb / "entries" / "sport.yaml"
    before = path.read_text("utf-8")
    question = 'Gibt es "Schwimmen" für Mädchen? #Sport'
    result = run("kb", "add-phrasing", "sport", "de", question, "--kb", kb)
    assert result.returncode == 0, result.stderr
    added = [line for line in result.stdout.splitlines() if line.startswith("+")]
    assert added == [
        "+++ b/krefeld/entries/sport.yaml",
        '+    - "Gibt es \\"Schwimmen\\" für Mädchen? #Sport"',
    ]
    assert not [line for line in result.stdout.splitlines() if line.startswith("-")][1:]
    assert result.stdout.rstrip().endswith("added 1 phrasing to sport (de)")
    after = path.read_text("utf-8")
    assert yaml.safe_load(after)["questions"]["de"][-1] == question
    assert len(after.splitlines()) == len(before.splitlines()) + 1
    again = run("kb", "add-phrasing", "sport", "de", question.upper(), "--kb", kb)
    assert again.returncode == 0
    assert "already in the 'de' phrasings; nothing changed" in again.stdout
    assert path.read_text("utf-8") == after
    assert run("kb", "check", kb).returncode == 0


def test_a_refused_phrasing_changes_no_file(tmp_path: Path) -> None:
    kb = Path(shutil.copytree(BUNDLED_KNOWLEDGE / "krefeld", tmp_path / "krefeld"))
    files = {p: p.read_bytes() for p in (kb / "entries").iterdir()}
    taken = yaml.safe_load((kb / "entries" / "rucksack.yaml").read_text("utf-8"))
    phrasing = taken["questions"]["de"][0]  # already another entry's phrasing
    result = run("kb", "add-phrasing", "sport", "de", phrasing, "--kb", kb)
    assert result.returncode == 1
    assert result.stderr.startswith("wegweiser: not added (invalid): error: krefeld/entries/")
    assert "the same phrasing is under entry" in result.stderr
    unknown = run("kb", "add-phrasing", "no-such-entry", "de", "Frage", "--kb", kb)
    assert unknown.returncode == 1
    assert "no entry" in unknown.stderr
    assert {p: p.read_bytes() for p in (kb / "entries").iterdir()} == files
