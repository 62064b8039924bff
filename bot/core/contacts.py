"""Finding the contact person for a word: a role, a name, a district, a programme (pure).

Each contact is searchable by its role (in every language), its name and address, and by the
titles and keywords of the entries of its topics, so that "Seiteneinsteiger", "школа" and
"Marxloh" all find someone.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.knowledge import Contact, KnowledgeBase
from bot.core.languages import LANGS
from bot.core.matching import Document, Matcher
from bot.core.stopwords import load_stopwords

# Contacts scoring at least this share of the best one are shown with it.
CLOSE_TO_BEST = 0.8


@dataclass(frozen=True)
class ContactIndex:
    """The contacts of one knowledge base and a matcher over their texts (build it once)."""

    contacts: tuple[Contact, ...]
    matcher: Matcher


def build_contact_index(kb: KnowledgeBase) -> ContactIndex:
    """Index the contacts of *kb* by role, name, address and their topics' entries."""
    docs: list[Document] = []
    for contact in kb.contacts:
        texts = [*contact.role.values(), contact.name or "", contact.address or ""]
        for entry in kb.entries:
            if entry.topic in contact.topics:
                texts.extend([*entry.title.values(), *entry.keywords])
        docs.extend(Document(contact.id, "de", text, "keyword") for text in texts if text)
    return ContactIndex(kb.contacts, Matcher(docs, load_stopwords(LANGS)))


def search_contacts(index: ContactIndex, query: str) -> list[Contact]:
    """The contacts that fit *query* best (those close to the best one), best first."""
    found = index.matcher.match(query)
    if not found.candidates:
        return []
    best = found.candidates[0].score
    return [
        contact
        for candidate in found.candidates
        if candidate.score >= best * CLOSE_TO_BEST
        for contact in index.contacts
        if contact.id == candidate.entry_id
    ]
