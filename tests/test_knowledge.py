"""Loading and checking knowledge bases: every problem named with file and field."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.core.knowledge import Problem, check_knowledge_base, load_knowledge_base
from bot.core.languages import LANGS
from bot.errors import KnowledgeBaseError
from bot.settings import BUNDLED_KNOWLEDGE
from tests.factories import CENTRE, entry, write_kb

TODAY = date(2026, 11, 23)


def problems_of(directory: Path) -> list[Problem]:
    return check_knowledge_base(directory, today=TODAY)[1]


def errors_of(directory: Path) -> list[tuple[str, str]]:
    return [(Path(p.file).name, p.field) for p in problems_of(directory) if p.level == "error"]


def test_valid_knowledge_base_has_no_problems(tmp_path: Path) -> None:
    directory = write_kb(tmp_path, [entry("alpha"), entry("beta", related=["alpha"])])
    kb, problems = check_knowledge_base(directory, today=TODAY)
    assert problems == []
    assert kb is not None
    assert [e.id for e in kb.entries] == ["alpha", "beta"]
    assert kb.centre.office_hours == {"mon": ("09:00-12:00",), "thu": ("14:00-16:00",)}


def test_broken_yaml_is_reported_with_file_and_line(tmp_path: Path) -> None:
    directory = write_kb(tmp_path, [entry("alpha")])
    (directory / "entries" / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n", "utf-8")
    [problem] = problems_of(directory)
    assert problem.file.endswith("entries/broken.yaml")
    assert problem.field.startswith("line ")
    assert "not valid YAML" in problem.message


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"topic": "weather"}, "topic"),
        ({"id": "Not A Slug"}, "id"),
        ({"last_reviewed": "2026-13-45"}, "last_reviewed"),
        ({"answers": {"de": "Hallo", "xx": "?"}}, "answers.xx.[key]"),
        ({"colour": "blue"}, "colour"),
        ({"questions": {"de": ["ok", ""]}}, "questions.de.1"),
    ],
)
def test_schema_errors_name_the_field(
    tmp_path: Path, override: dict[str, Any], field: str
) -> None:
    directory = write_kb(tmp_path, [entry("alpha", **override)])
    assert field in [where for _, where in errors_of(directory)]


def test_missing_required_field(tmp_path: Path) -> None:
    data = entry("alpha")
    del data["answers"]
    directory = write_kb(tmp_path, [data])
    [problem] = problems_of(directory)
    assert (problem.field, problem.message) == ("answers", "required field is missing")


def test_duplicate_ids_and_phrasings_and_dangling_links(tmp_path: Path) -> None:
    directory = write_kb(
        tmp_path,
        [
            entry("alpha"),
            entry("beta", related=["nowhere"], event="no-such-event"),
            entry("gamma", questions={"de": ["ALPHA frage de 0!", "x y", "z w"]}),
        ],
    )
    (directory / "entries" / "alpha-copy.yaml").write_text(
        (directory / "entries" / "alpha.yaml").read_text("utf-8"), "utf-8"
    )
    found = {
        (Path(p.file).name, p.field, p.message.split(" (")[0]) for p in problems_of(directory)
    }
    assert ("alpha.yaml", "id", "duplicate id 'alpha'") in found
    assert ("beta.yaml", "related", "no entry with id 'nowhere'") in found
    assert ("beta.yaml", "event", "no event with id 'no-such-event' in events.yaml") in found
    assert ("gamma.yaml", "questions.de[0]", "the same phrasing is under entry 'alpha'") in found


def test_unparseable_event_date(tmp_path: Path) -> None:
    event = {"id": "fest", "title": {"de": "Fest"}, "start": "nächsten Sonntag", "source": "x"}
    directory = write_kb(tmp_path, [entry("alpha")], events=[event])
    [problem] = problems_of(directory)
    assert problem.file.endswith("events.yaml")
    assert problem.field == "events[0].start"
    assert "cannot read the date" in problem.message


def test_missing_translation_and_stale_review_are_warnings(tmp_path: Path) -> None:
    data = entry("alpha", last_reviewed="2024-01-31")
    del data["answers"]["ru"]
    data["questions"]["tr"] = ["tek soru"]
    directory = write_kb(tmp_path, [data])
    kb, problems = check_knowledge_base(directory, today=TODAY)
    assert kb is not None
    assert {(p.level, p.field) for p in problems} == {
        ("warning", "answers.ru"),
        ("warning", "questions.tr"),
        ("warning", "last_reviewed"),
    }


def test_entry_needs_german_or_english(tmp_path: Path) -> None:
    data = entry("alpha", answers={"tr": "Cevap"})
    assert ("alpha.yaml", "answers") in errors_of(write_kb(tmp_path, [data]))


def test_missing_centre_and_entries(tmp_path: Path) -> None:
    directory = tmp_path / "empty"
    directory.mkdir()
    found = {(Path(p.file).name, p.message) for p in problems_of(directory)}
    assert ("centre.yaml", "file is missing") in found
    assert any(name == "entries" for name, _ in found)


def test_load_raises_a_report_not_a_traceback(tmp_path: Path) -> None:
    directory = write_kb(tmp_path, [entry("alpha", topic="weather")])
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(directory, today=TODAY)
    assert "entries/alpha.yaml: topic" in caught.value.report


def test_fallback_chain_of_an_answer(tmp_path: Path) -> None:
    data = entry("alpha")
    del data["answers"]["ro"], data["answers"]["en"]
    kb = load_knowledge_base(write_kb(tmp_path, [data]), today=TODAY)
    alpha = kb.entry("alpha")
    assert alpha is not None
    assert alpha.answer_in("ro") == ("de", "Antwort alpha (de)")
    assert alpha.answer_in("tr") == ("tr", "Antwort alpha (tr)")


BUNDLED = sorted(p.name for p in BUNDLED_KNOWLEDGE.iterdir() if (p / "centre.yaml").exists())


def test_three_centres_are_bundled() -> None:
    assert BUNDLED == ["duesseldorf", "duisburg", "krefeld"]


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_knowledge_base_is_clean_and_complete(name: str) -> None:
    kb, problems = check_knowledge_base(BUNDLED_KNOWLEDGE / name, today=TODAY)
    assert [str(p) for p in problems] == []
    assert kb is not None
    for item in kb.entries:
        assert set(item.answers) == set(LANGS), item.id
        assert all(len(item.questions[lang]) >= 3 for lang in LANGS), item.id
        assert item.source.strip(), item.id
        assert not any(item.reviewed.values()), f"{item.id}: no translation is reviewed yet"


def test_duisburg_has_the_size_the_seeds_allow() -> None:
    kb = load_knowledge_base(BUNDLED_KNOWLEDGE / "duisburg", today=TODAY)
    assert 25 <= len(kb.entries) <= 40


def messages_of(directory: Path) -> list[tuple[str, str, str, str]]:
    return [(p.level, Path(p.file).name, p.field, p.message) for p in problems_of(directory)]


def test_a_place_or_contact_that_does_not_exist_is_named(tmp_path: Path) -> None:
    directory = write_kb(tmp_path, [entry("alpha", place="nowhere"), entry("beta")])
    assert errors_of(directory) == [("alpha.yaml", "place")]
    assert "no contact with id 'nowhere'" in problems_of(directory)[0].message


def test_answers_that_must_say_where_and_whom_need_a_contact(tmp_path: Path) -> None:
    """School entry, about, contacts, volunteering: never without a place or a number."""
    bare = {**CENTRE, "address": None, "phone": None, "email": None}
    directory = write_kb(
        tmp_path,
        [entry("school", "school_entry"), entry("teachers", "teachers"),
         entry("nothing", "about", place="none", contact="none")],
        centre=bare,
    )  # fmt: skip
    assert sorted(errors_of(directory)) == [("nothing.yaml", "place"), ("school.yaml", "place")]
    with_card = write_kb(tmp_path / "card", [entry("school", "school_entry")])
    assert errors_of(with_card) == []  # the centre's own card (address, phone) is enough


def translated(
    tmp_path: Path, everywhere: str, **translations: str
) -> list[tuple[str, str, str, str]]:
    """The check's messages for an entry whose answer is *everywhere* in every language but
    those given."""
    answers = {lang: translations.get(lang, everywhere) for lang in LANGS}
    return messages_of(write_kb(tmp_path, [entry("alpha", answers=answers)]))


def test_a_number_or_address_in_one_language_that_differs_from_the_german(
    tmp_path: Path,
) -> None:
    found = translated(
        tmp_path,
        "Rufen Sie 0203-283 8111 an, www.wir-sind-du.de.",
        ru="Позвоните по номеру 0203-283 8112, www.wir-sind-du.de.",
        tr="Bizi arayın.",
    )
    assert ("error", "alpha.yaml", "answers.ru", "'02032838112' differs from the German answer's "
            "facts") in found  # fmt: skip
    assert ("warning", "alpha.yaml", "answers.tr", "'02032838111' of the German answer is "
            "missing") in found  # fmt: skip
    assert ("warning", "alpha.yaml", "answers.tr", "'www.wir-sind-du.de' of the German answer "
            "is missing") in found  # fmt: skip


def test_a_name_the_german_answer_quotes_is_kept_in_every_language(tmp_path: Path) -> None:
    found = translated(
        tmp_path,
        "Im Bereich „Integration durch Bildung“: 0203-283 8111.",
        en="In the field „Integration durch Bildung“ (integration through education).",
        uk="У сфері «інтеграція через освіту»: 0203-283 8111.",
    )
    assert ("warning", "alpha.yaml", "answers.uk", "the name 'Integration durch Bildung' of the "
            "German answer is missing (names stay as they are)") in found  # fmt: skip
    assert not [m for m in found if m[2] == "answers.en" and "name" in m[3]]


def test_office_hours_that_never_open_are_an_error(tmp_path: Path) -> None:
    """`{mon: []}` would leave no time to promise a family: caught here, not in a hand-over."""
    for hours, message in (
        ({"mon": []}, "no opening time on any day"),
        ({"tue": ["16:00-09:00"]}, "ends before it starts"),
    ):
        directory = write_kb(tmp_path / str(len(message)), [entry("alpha")],
                             centre={**CENTRE, "office_hours": hours})  # fmt: skip
        [problem] = [p for p in problems_of(directory) if p.level == "error"]
        assert (Path(problem.file).name, problem.field) == ("centre.yaml", "office_hours")
        assert message in problem.message


def test_centre_card_must_name_a_contact(tmp_path: Path) -> None:
    directory = write_kb(tmp_path, [entry("alpha")], centre={**CENTRE, "card": "head"})
    assert errors_of(directory) == [("centre.yaml", "card")]


def test_bundled_knowledge_bases_carry_redirects_and_small_talk() -> None:
    for centre in ("duisburg", "duesseldorf", "krefeld"):
        kb = load_knowledge_base(BUNDLED_KNOWLEDGE / centre)
        redirects = [e for e in kb.entries if e.kind == "redirect"]
        assert len(redirects) >= 7, centre
        assert {t.id for t in kb.smalltalk} >= {"greeting", "thanks", "how-are-you", "bye", "ok"}
        for item in kb.smalltalk:
            assert set(item.answers) == set(LANGS), item.id
