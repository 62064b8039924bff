"""The pure parts of /unanswered: grouping kept questions, and one phrasing added to an entry
file's text (exact text, comments kept, safe quoting, the result parses to old data plus one)."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import callbacks
from bot.core.curation import (
    Asked,
    Figure,
    Reason,
    figure_line,
    group_keyboard,
    group_questions,
    group_text,
    like,
    overview_text,
)
from bot.core.normalize import fold
from bot.core.phrasings import PhrasingRefused, Refusal, add_phrasing, clean, quoted
from bot.settings import BUNDLED_KNOWLEDGE

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def asked(
    number: int,
    text: str,
    lang: str = "de",
    reason: Reason = Reason.NONE,
    entry_id: str | None = None,
) -> Asked:
    return Asked(number, text, lang, reason, entry_id, NOW + timedelta(minutes=number))


def test_the_same_question_in_other_spellings_is_one_group() -> None:
    items = [
        asked(1, "Wie viel kostet ein Parkausweis für Anwohner?"),
        asked(2, "wieviel kostet ein parkausweis fuer anwohner", reason=Reason.UNSURE),
        asked(3, "Gibt es Hausaufgabenhilfe am Samstag?", reason=Reason.UNSURE),
        asked(4, "Wo kann ich Deutsch lernen?", "de"),
        asked(5, "Hausaufgaben-Hilfe am Samstag", reason=Reason.UNSURE),
        asked(6, "wo kan ich deutsh lernen"),
        asked(7, "hausaufgabenhilfe am samstag??", "tr", Reason.UNSURE),
    ]
    groups = group_questions(items)
    assert [sorted(m.id for m in g.members) for g in groups] == [[3, 5, 7], [4, 6], [1, 2]]
    homework = groups[0]
    assert homework.count == 3
    assert homework.languages == [("de", 2), ("tr", 1)]
    assert homework.reasons == {Reason.UNSURE: 3}
    assert homework.representative.id == 7  # the leading wording, newest
    parking = groups[2]
    assert parking.reasons == {Reason.NONE: 1, Reason.UNSURE: 1}


def test_different_questions_stay_apart() -> None:
    items = [
        asked(1, "Wie viel kostet ein Parkausweis?"),
        asked(2, "Wie viel kostet ein Personalausweis?"),
        asked(3, "Wo ist der Schwimmkurs für Mütter?"),
        asked(4, "Wo ist der Deutschkurs für Mütter?"),
        asked(5, "Rucksack"),
        asked(6, "Griffbereit"),
    ]
    assert [g.count for g in group_questions(items)] == [1] * 6


def test_ratings_without_their_question_group_by_the_entry_answered() -> None:
    items = [
        asked(1, "", reason=Reason.UNHELPFUL, entry_id="tutoring"),
        asked(2, "", "tr", Reason.UNHELPFUL, "tutoring"),
        asked(3, "", reason=Reason.UNHELPFUL, entry_id="rucksack"),
        asked(4, "Förderunterricht Klasse 5", reason=Reason.UNHELPFUL, entry_id="tutoring"),
    ]
    groups = group_questions(items)
    assert [(g.count, g.representative.id, g.question_known) for g in groups] == [
        (2, 2, False),
        (1, 4, True),
        (1, 3, False),
    ]
    unknown = groups[0]
    assert unknown.rated_entries == ["tutoring"]
    assert like(unknown.representative, items) == [items[0], items[1]]
    buttons = [b.data for row in group_keyboard(unknown, [("about", "Über das KI")]) for b in row]
    assert buttons == [callbacks.ignore_questions(2)]  # nothing to add as a phrasing


def test_a_group_reads_with_counts_languages_reasons_and_examples() -> None:
    items = [
        asked(1, "Gibt es Hausaufgabenhilfe am Samstag?", reason=Reason.UNSURE),
        asked(2, "Hausaufgabenhilfe am Samstag", "tr", Reason.UNSURE),
        asked(
            3, "Hausaufgabenhilfe am Samstag", reason=Reason.UNHELPFUL, entry_id="opening-hours"
        ),
    ]
    [group] = group_questions(items)
    titles = {"opening-hours": "Öffnungszeiten"}
    assert group_text(1, group, titles.__getitem__) == (
        "1. 3× · de 2, tr 1 · 2× unsicher (Vorschläge gezeigt); 1× „hat nicht geholfen“ bei "
        "„Öffnungszeiten“\n„Hausaufgabenhilfe am Samstag“\n„Gibt es Hausaufgabenhilfe am Samstag?“"
    )
    keyboard = group_keyboard(group, [("tutoring", "Förderunterricht ab Klasse 5")])
    assert [(b.label, b.data) for row in keyboard for b in row] == [
        ("➕ Formulierung von Förderunterricht ab Klasse 5", "phr:3:tutoring"),
        ("Ignorieren", "ign:3"),
    ]


def test_button_data_stays_within_telegrams_64_bytes() -> None:
    longest_entry = "a" * 48
    data = callbacks.add_phrasing(999_999_999, longest_entry)
    assert len(data.encode()) <= 64
    assert callbacks.ADD_PHRASING.fullmatch(data)
    assert callbacks.audience_of(data) is callbacks.Audience.STAFF
    assert callbacks.audience_of(callbacks.ignore_questions(1)) is callbacks.Audience.STAFF


def test_the_sealed_figure_line_is_german() -> None:
    assert figure_line("Duisburg", Figure(99, 109), Figure(100, 109)) == (
        "Sealed-Testsatz Duisburg: 90,8 % → 91,7 % (+1 Frage)"
    )
    assert figure_line("Krefeld", Figure(5, 10), Figure(5, 10)).endswith("(±0 Fragen)")
    assert figure_line("Krefeld", Figure(5, 10), Figure(3, 10)).endswith("(−2 Fragen)")


reasons = st.sampled_from(list(Reason))
wordings = st.sampled_from(
    [
        "Wie viel kostet ein Parkausweis?",
        "wieviel kostet ein parkausweis",
        "Hausaufgabenhilfe am Samstag",
        "Gibt es Hausaufgabenhilfe am Samstag?",
        "Wo kann ich Deutsch lernen?",
        "",
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(wordings, st.text(max_size=40)), reasons, st.sampled_from(["de", "tr"])
        ),
        max_size=30,
    )
)
def test_every_question_is_in_exactly_one_group(
    drawn: list[tuple[str, Reason, str]],
) -> None:
    items = [
        asked(n, text, lang, reason, "tutoring" if reason is Reason.UNHELPFUL else None)
        for n, (text, reason, lang) in enumerate(drawn, start=1)
    ]
    groups = group_questions(items)
    ids = [m.id for g in groups for m in g.members]
    assert sorted(ids) == [item.id for item in items]
    assert sum(g.count for g in groups) == len(items)
    assert all(g.representative in g.members for g in groups)
    for group in groups:  # a decision on a group settles at least all of it
        assert {m.id for m in group.members} <= {m.id for m in like(group.representative, items)}


# One phrasing into an entry file ------------------------------------------------------------

ENTRY = """\
# Förderunterricht: a comment that must stay.
id: tutoring
topic: language_support
questions:
  de:
    - "Gibt es Förderunterricht?"   # the first one
    - 'Nachhilfe ab Klasse 5'
  # Turkish below
  tr:
    - "ek ders desteği"

answers:
  de: >-
    Ja.
"""


def test_a_phrasing_goes_at_the_end_of_its_language_list() -> None:
    result = add_phrasing(ENTRY, "de", "Hausaufgabenhilfe am Samstag")
    assert result == ENTRY.replace(
        "    - 'Nachhilfe ab Klasse 5'\n",
        "    - 'Nachhilfe ab Klasse 5'\n    - \"Hausaufgabenhilfe am Samstag\"\n",
    )
    added = [
        line for line in difflib.ndiff(ENTRY.splitlines(), result.splitlines()) if line[0] in "+-"
    ]
    assert added == ['+     - "Hausaufgabenhilfe am Samstag"']
    assert "# Turkish below" in result
    assert "# the first one" in result


def test_a_missing_language_list_is_created_at_the_end_of_the_questions() -> None:
    result = add_phrasing(ENTRY, "ar", "هل توجد دروس يوم السبت؟")
    assert result == ENTRY.replace(
        '    - "ek ders desteği"\n',
        '    - "ek ders desteği"\n  ar:\n    - "هل توجد دروس يوم السبت؟"\n',
    )


def test_quotes_colons_hashes_backslashes_emoji_and_rtl_are_safe() -> None:
    tricky = 'Er sagte: "Kurs #2" \\ ok? 🙂 — مرحبا: "نعم" # لا'
    result = add_phrasing(ENTRY, "tr", tricky)
    line = '    - "Er sagte: \\"Kurs #2\\" \\\\ ok? 🙂 — مرحبا: \\"نعم\\" # لا"\n'
    assert result == ENTRY.replace('    - "ek ders desteği"\n', f'    - "ek ders desteği"\n{line}')
    data = yaml.safe_load(result)
    assert data["questions"]["tr"] == ["ek ders desteği", tricky]


def test_the_result_is_the_old_data_plus_the_one_phrasing() -> None:
    old = yaml.safe_load(ENTRY)
    new = yaml.safe_load(add_phrasing(ENTRY, "de", "  Hilfe\nam   Wochenende  "))
    old["questions"]["de"].append("Hilfe am Wochenende")  # one line, spaces tidied
    assert new == old


def test_a_phrasing_already_in_the_list_is_refused() -> None:
    with pytest.raises(PhrasingRefused) as refused:
        add_phrasing(ENTRY, "de", "gibt es foerderunterricht")
    assert refused.value.refusal is Refusal.ALREADY_THERE
    with pytest.raises(PhrasingRefused) as empty:
        add_phrasing(ENTRY, "de", " 🙂 ?! ")
    assert empty.value.refusal is Refusal.EMPTY


def test_windows_line_endings_and_a_missing_final_newline_are_kept() -> None:
    windows = "id: x\r\nquestions:\r\n  de:\r\n  - eins\r\nanswers:\r\n  de: ja"
    assert add_phrasing(windows, "de", "zwei") == (
        'id: x\r\nquestions:\r\n  de:\r\n  - eins\r\n  - "zwei"\r\nanswers:\r\n  de: ja'
    )
    last = "id: x\nanswers: {de: ja}\nquestions:\n  de:\n    - eins"
    assert add_phrasing(last, "en", "two") == last + '\n  en:\n    - "two"\n'


def test_files_not_in_block_style_are_refused_not_rewritten() -> None:
    for flow in ("id: x\nquestions: {de: [eins]}\n", "id: x\nquestions:\n  de: [eins]\n"):
        with pytest.raises(PhrasingRefused) as refused:
            add_phrasing(flow, "de", "zwei")
        assert refused.value.refusal is Refusal.NOT_EDITABLE


def test_every_bundled_entry_file_takes_a_phrasing_as_one_line() -> None:
    for path in sorted(BUNDLED_KNOWLEDGE.glob("*/entries/*.yaml")):
        source = path.read_text(encoding="utf-8")
        result = add_phrasing(source, "de", 'Eine ganz neue Frage #42: "wirklich"?')
        diff = [
            d for d in difflib.ndiff(source.splitlines(), result.splitlines()) if d[0] in "+-?"
        ]
        assert [d[:8] for d in diff] == ["+     - "], path


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_any_text_reads_back_as_itself(text: str) -> None:
    cleaned = clean(text)
    assert yaml.safe_load(f"- {quoted(cleaned)}") == [cleaned]
    if not any(ch.isalnum() for ch in cleaned):
        with pytest.raises(PhrasingRefused, match="empty"):
            add_phrasing(ENTRY, "tr", text)
        return
    if fold(cleaned) == fold("ek ders desteği"):
        with pytest.raises(PhrasingRefused, match="already there"):
            add_phrasing(ENTRY, "tr", text)
        return
    result = add_phrasing(ENTRY, "tr", text)
    assert yaml.safe_load(result)["questions"]["tr"] == ["ek ders desteği", cleaned]
    changed = [d for d in difflib.ndiff(ENTRY.splitlines(), result.splitlines()) if d[0] in "+-"]
    assert len(changed) == 1


def test_the_checker_reads_an_edit_before_it_is_written(tmp_path: Path) -> None:
    from shutil import copytree

    from bot.core.knowledge import check_knowledge_base

    kb = copytree(BUNDLED_KNOWLEDGE / "duisburg", tmp_path / "duisburg")
    path = kb / "entries" / "tutoring.yaml"
    source = path.read_text(encoding="utf-8")
    good = add_phrasing(source, "de", "Hausaufgabenhilfe am Samstag")
    checked, _ = check_knowledge_base(kb, overrides={path: good})
    assert checked is not None
    entry = checked.entry("tutoring")
    assert entry is not None
    assert entry.questions["de"][-1] == "Hausaufgabenhilfe am Samstag"
    taken = add_phrasing(source, "de", "rucksack programm eltern")  # of another entry
    refused, problems = check_knowledge_base(kb, overrides={path: taken})
    assert refused is None
    assert any("rucksack" in p.message for p in problems if p.level == "error")
    assert path.read_text(encoding="utf-8") == source  # nothing was written
    stranger, problems = check_knowledge_base(kb, overrides={tmp_path / "other.yaml": good})
    assert stranger is None
    assert any("not a file of this knowledge base" in p.message for p in problems)


def test_the_overview_says_the_period_and_how_many_are_shown() -> None:
    assert overview_text(30, 0, 0, 0) == "Keine offenen Fragen in den letzten 30 Tagen."
    assert overview_text(7, 12, 3, 3).startswith(
        "Offene Fragen der letzten 7 Tage: 12 ohne sichere Antwort, in 3 Gruppe(n)"
    )
    assert overview_text(30, 40, 11, 8).endswith(" Hier die 8 häufigsten.")
