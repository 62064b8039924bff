"""Small knowledge bases written to a temporary folder, for tests that need exact control."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.core.languages import LANGS

CENTRE: dict[str, Any] = {
    "id": "testhausen",
    "name": "Kommunales Integrationszentrum Testhausen",
    "address": "Marktplatz 1, 12345 Testhausen",
    "phone": "01234 5678",
    "fax": None,
    "email": "ki@testhausen.example",
    "website": None,
    "office_hours": {"mon": ["09:00-12:00"], "thu": ["14:00-16:00"]},
    "timezone": "Europe/Berlin",
    "languages": list(LANGS),
    "source": "test fixture",
}


def entry(entry_id: str, topic: str = "about", **overrides: Any) -> dict[str, Any]:
    """A complete entry in all eight languages; *overrides* replace fields."""
    data: dict[str, Any] = {
        "id": entry_id,
        "topic": topic,
        "source": "test fixture",
        "last_reviewed": "2026-11-01",
        "related": [],
        "keywords": [f"{entry_id}wort"],
        "title": {lang: f"{entry_id} {lang}" for lang in LANGS},
        "questions": {lang: [f"{entry_id} frage {lang} {n}" for n in range(3)] for lang in LANGS},
        "answers": {lang: f"Antwort {entry_id} ({lang})" for lang in LANGS},
        "reviewed": dict.fromkeys(LANGS, False),
    }
    data.update(overrides)
    return data


def _dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def write_kb(
    root: Path,
    entries: list[dict[str, Any]],
    *,
    centre: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    contacts: list[dict[str, Any]] | None = None,
) -> Path:
    """Write a knowledge base folder under *root* and return it."""
    directory = root / "testhausen"
    (directory / "entries").mkdir(parents=True, exist_ok=True)
    (directory / "centre.yaml").write_text(_dump(centre or CENTRE), "utf-8")
    (directory / "events.yaml").write_text(_dump({"events": events or []}), "utf-8")
    (directory / "contacts.yaml").write_text(_dump({"contacts": contacts or []}), "utf-8")
    for item in entries:
        (directory / "entries" / f"{item['id']}.yaml").write_text(_dump(item), "utf-8")
    return directory


def small_kb(root: Path) -> Path:
    """School entry, tutoring and a festival that took place in 2016: the tests' small KB."""
    school = entry(
        "school",
        "school_entry",
        place="school-desk",
        questions={
            "de": ["Wo melde ich mein Kind in der Schule an?", "Schulanmeldung", "Schulplatz"],
            "en": ["Where do I register my child for school?", "school place", "school entry"],
            "tr": ["Çocuğumu okula nerede kaydettiririm?", "okul kaydı", "okul yeri"],
        },
        answers={
            "de": "Die Beratung ist im Internationalen Zentrum, Flachsmarkt 15.",
            "en": "Counselling is at the Internationales Zentrum, Flachsmarkt 15.",
        },
        title={"de": "Schulanmeldung", "en": "School entry", "tr": "Okula kayıt"},
    )
    tutoring = entry(
        "tutoring",
        "language_support",
        questions={
            "de": ["Gibt es Nachhilfe für Schüler?", "Nachhilfe", "Nachhilfeunterricht"],
            "en": ["Is there tutoring for pupils?", "tutoring", "extra lessons school"],
        },
        title={"de": "Nachhilfe", "en": "Tutoring"},
    )
    festival = entry(
        "festival",
        "events",
        event="fest-2016",
        questions={
            "de": ["Wann ist das Fest der Vielfalt?", "Fest der Vielfalt", "Vielfalt Fest Termin"],
            "en": ["When is the festival of diversity?", "diversity festival", "festival date"],
        },
    )
    event = {
        "id": "fest-2016",
        "title": {"de": "Fest der Vielfalt", "en": "Festival of Diversity"},
        "start": "2016-06-12 13:00",
        "end": "2016-06-12 18:00",
        "place": "vor dem Kultur- und Stadthistorischen Museum",
        "source": "test",
    }
    desk = {
        "id": "school-desk",
        "role": {"de": "Beratung Seiteneinsteiger", "en": "School entry counselling"},
        "topics": ["school_entry"],
        "address": "Flachsmarkt 15, 12345 Testhausen",
        "source": "test",
    }
    return write_kb(root, [school, tutoring, festival], events=[event], contacts=[desk])
