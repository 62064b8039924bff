"""Find the knowledge-base entry a question is about (pure, no I/O).

Every phrasing, title and keyword of every language is folded (:mod:`bot.core.normalize`) into
words. A question's words are looked up in that shared vocabulary with rapidfuzz (so typos, missing
diacritics and transliterations still meet), then each phrasing is scored by how much of the
question it explains and how much of it the question covers, both weighted by how rare a word is
across entries (IDF). Words the knowledge base has never seen count against a match: that is what
keeps "where is a dentist?" from getting a confident answer about school.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, TypeVar

import numpy as np
from rapidfuzz import fuzz, process

from bot.core.knowledge import KnowledgeBase
from bot.core.languages import Lang
from bot.core.normalize import consonant_skeleton, is_arabic, words

DocumentKind = Literal["question", "title", "keyword"]
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
MAX_QUERY_WORDS = 40
_JOINED_NAME = re.compile(r"\w+(?:[-.]\w+)+")
MIN_STEM = 4  # shortest shared beginning that counts as a compound part ("shul" of Schulplatz)
MAX_COMPOUNDS = 8
FUZZY_LIMIT = 6  # closest vocabulary words kept per question word
FUZZY_BATCH = 8  # question words compared with the vocabulary in one call
SIMILAR_CACHE_SIZE = 50_000  # words remembered with their look-alikes (a few MB at most)
MATCH_CACHE_SIZE = 10_000  # whole questions remembered with their result
SEED_CAP = 1000  # see Matcher._candidate_docs
SEED_SHARE = 0.01


class Band(StrEnum):
    """How sure the matcher is."""

    CONFIDENT = "confident"
    UNSURE = "unsure"
    NONE = "none"


@dataclass(frozen=True)
class Document:
    """One searchable text of an entry."""

    entry_id: str
    lang: Lang
    text: str
    kind: DocumentKind = "question"


@dataclass(frozen=True)
class Thresholds:
    """Score limits of the three bands, calibrated on the labelled development set."""

    confident: float = 0.45
    unsure: float = 0.25
    margin: float = 0.02
    unknown_word_weight: float = 1.8
    compound_similarity: float = 0.75
    context_words: float = 4.0  # from this many words on, unknown words weigh less
    # A word of only one long phrasing in the whole knowledge base (no other phrasing, title or
    # keyword has it) is more often a detail of that phrasing's story (a home town, a job) than
    # its topic: its idf counts this much. Chosen by 5-fold cross-validation on the tuning part
    # (2026-12-04, J as in bench/calibrate.py): 0.6 in all five folds, held-out J 489 against
    # 481 with 1.0; fused answered 98.0 % against 96.8 %, refused 100 % either way.
    lone_word_weight: float = 0.6
    story_words: int = 8  # a phrasing of this many content words or more tells a story
    beta: float = 1.0  # below 1, how much of the phrasing is covered counts more than the rest
    entry_recall: float = 0.35  # share of the score from how much all phrasings of an entry cover
    fuzzy_cutoff_short: float = 80.0
    fuzzy_cutoff_long: float = 75.0


@dataclass(frozen=True)
class Candidate:
    """An entry and how well the question fits it."""

    entry_id: str
    score: float
    lang: Lang


@dataclass(frozen=True)
class Match:
    """The outcome for one question: the band and the best candidates, best first."""

    band: Band
    candidates: tuple[Candidate, ...]
    threshold: float = float("inf")  # the score a candidate needs to be a confident answer

    @property
    def best(self) -> Candidate | None:
        """The best candidate, if any."""
        return self.candidates[0] if self.candidates else None


def documents_of(kb: KnowledgeBase) -> list[Document]:
    """All searchable texts of a knowledge base."""
    docs: list[Document] = []
    for entry in kb.entries:
        for lang, phrasings in entry.questions.items():
            docs.extend(Document(entry.id, lang, text) for text in phrasings)
        docs.extend(Document(entry.id, lang, text, "title") for lang, text in entry.title.items())
        docs.extend(Document(entry.id, "de", text, "keyword") for text in entry.keywords)
    return docs


class Matcher:
    """An index over documents; :meth:`match` scores a question against it."""

    def __init__(
        self,
        documents: Iterable[Document],
        stopwords: frozenset[str] = frozenset(),
        thresholds: Thresholds | None = None,
        addressee: frozenset[str] = frozenset(),
    ) -> None:
        """Index *documents*; *stopwords* are folded words (see :mod:`bot.core.stopwords`).
        *addressee* are the folded words that name the centre (its name, its towns): a long
        message that names it addresses it, the name is not its topic."""
        self.thresholds = thresholds or Thresholds()
        self._stopwords = stopwords
        self._addressee = addressee
        self._vocab: list[str] = []
        word_ids: dict[str, int] = {}
        self._word_ids = word_ids
        self._docs: list[Document] = []
        self._doc_words: list[tuple[int, ...]] = []
        postings: list[list[int]] = []
        entry_sets: list[set[str]] = []
        skeletons: dict[str, set[int]] = defaultdict(set)
        for doc in documents:
            ids: list[int] = []
            found = self._content_words(doc.text, keep_all=doc.kind == "keyword")
            for word in found or words(doc.text):
                if word not in word_ids:
                    word_ids[word] = len(self._vocab)
                    self._vocab.append(word)
                    postings.append([])
                    entry_sets.append(set())
                wid = word_ids[word]
                if wid not in ids:
                    ids.append(wid)
            if not ids:
                continue
            doc_index = len(self._docs)
            self._docs.append(doc)
            self._doc_words.append(tuple(ids))
            arabic = is_arabic(doc.text)
            for wid in ids:
                postings[wid].append(doc_index)
                entry_sets[wid].add(doc.entry_id)
                if arabic:
                    skeleton = consonant_skeleton(self._vocab[wid])
                    if len(skeleton) >= 3:
                        skeletons[skeleton].add(wid)
        # The postings as arrays, and per document its entry, for scoring in numpy.
        self._postings = [np.asarray(docs, dtype=np.int64) for docs in postings]
        entry_index: dict[str, int] = {}
        self._doc_entry = np.asarray(
            [entry_index.setdefault(doc.entry_id, len(entry_index)) for doc in self._docs],
            dtype=np.int64,
        )
        self._entry_count = len(entry_index)
        entries = self._entry_count or 1
        self._idf = [math.log((entries + 1) / (len(s) + 0.5)) for s in entry_sets]
        lone = self.thresholds.lone_word_weight
        if lone != 1.0:
            for wid, posting in enumerate(postings):
                if len(posting) != 1:
                    continue
                only = posting[0]
                story = len(self._doc_words[only]) >= self.thresholds.story_words
                if story and self._docs[only].kind == "question":
                    self._idf[wid] *= lone
        self._max_idf = math.log((entries + 1) / 1.5)
        weight = np.asarray([sum(self._idf[w] for w in ids) for ids in self._doc_words])
        self._doc_weight = np.where(weight > 0, weight, 1.0)  # a text's idf, precision's divisor
        self._skeletons = {k: tuple(sorted(v)) for k, v in skeletons.items()}
        self._skeleton_keys = list(self._skeletons)
        self._sorted_vocab = sorted((word, wid) for wid, word in enumerate(self._vocab))
        stems: dict[str, list[int]] = defaultdict(list)
        for wid, word in enumerate(self._vocab):
            if len(word) >= MIN_STEM + 1:
                stems[word[:-1]].append(wid)
        self._stems = dict(stems)
        self._similar_cache: dict[str, dict[int, float]] = {}
        self._match_cache: dict[tuple[str, int], Match] = {}

    @classmethod
    def from_knowledge_base(
        cls,
        kb: KnowledgeBase,
        stopwords: frozenset[str] = frozenset(),
        thresholds: Thresholds | None = None,
    ) -> Matcher:
        """Index every phrasing, title and keyword of *kb*."""
        addressee = frozenset(words(" ".join([kb.centre.name, *kb.towns()])))
        return cls(documents_of(kb), stopwords, thresholds, addressee)

    @property
    def vocabulary_size(self) -> int:
        """Number of distinct folded words indexed."""
        return len(self._vocab)

    def _content_words(self, text: str, *, keep_all: bool = False) -> list[str]:
        """The folded words of *text* without stop words (if that leaves none: the known ones)."""
        folded = words(text)
        if keep_all:
            return folded
        # Words inside a name like "wir-sind-du.de" or "KOMM-AN" are never stop words.
        named = set(words(" ".join(_JOINED_NAME.findall(text))))
        return [w for w in folded if w in named or w not in self._stopwords] or [
            w for w in folded if w in self._word_ids
        ]

    def _similar(self, query: Sequence[str]) -> list[dict[int, float]]:
        """Per word of *query*: vocabulary words like it, with a similarity in (0, 1].

        Remembered per word. The words not remembered yet are compared with the vocabulary in
        one rapidfuzz call: that prepares the vocabulary once per question, not once per word
        (three to four times faster for a question of new words).
        """
        cache = self._similar_cache
        new = [word for word in dict.fromkeys(query) if word not in cache]
        found = {word: cache[word] for word in query if word in cache}
        if new:
            fuzzy = self._fuzzy(new)
            if len(cache) + len(new) > SIMILAR_CACHE_SIZE:
                cache.clear()
            for word in new:
                found[word] = cache[word] = self._lookup(word, fuzzy.get(word, ()))
        return [found[word] for word in query]

    def _fuzzy(self, new: Sequence[str]) -> dict[str, list[tuple[int, float]]]:
        """Per word of four letters or more: its (up to six) closest vocabulary words by
        ``fuzz.ratio`` above its length's cutoff, best first (ties: vocabulary order)."""
        long_enough = [word for word in new if len(word) >= 4]
        if not long_enough or not self._vocab:
            return {}
        t = self.thresholds
        lowest = min(t.fuzzy_cutoff_short, t.fuzzy_cutoff_long)
        found: dict[str, list[tuple[int, float]]] = {}
        for start in range(0, len(long_enough), FUZZY_BATCH):  # a few MB at most per call
            batch = long_enough[start : start + FUZZY_BATCH]
            scores = process.cdist(
                batch, self._vocab, scorer=fuzz.ratio, score_cutoff=lowest, dtype=np.float64
            )
            for word, row in zip(batch, scores, strict=True):
                cutoff = t.fuzzy_cutoff_short if len(word) <= 5 else t.fuzzy_cutoff_long
                hits = np.flatnonzero(row >= cutoff)
                best = hits[np.lexsort((hits, -row[hits]))][:FUZZY_LIMIT]
                found[word] = [(int(wid), float(row[wid]) / 100) for wid in best]
        return found

    def _lookup(self, word: str, fuzzy: Iterable[tuple[int, float]]) -> dict[int, float]:
        found: dict[int, float] = {}
        exact = self._word_ids.get(word)
        if exact is not None:
            found[exact] = 1.0
        for wid, similarity in fuzzy:
            found[wid] = max(found.get(wid, 0.0), similarity)
        if len(word) >= MIN_STEM + 1:
            for wid in self._compound_parts(word):
                found[wid] = max(found.get(wid, 0.0), self.thresholds.compound_similarity)
        skeleton = consonant_skeleton(word)
        if len(skeleton) >= 3 and self._skeleton_keys:
            for key, score, _ in process.extract(
                skeleton, self._skeleton_keys, scorer=fuzz.ratio, score_cutoff=85, limit=4
            ):
                for wid in self._skeletons[key]:
                    found[wid] = max(found.get(wid, 0.0), 0.9 * score / 100)
        return found

    def _compound_parts(self, word: str) -> list[int]:
        """Words that *word* begins with, or that begin with *word* (German compounds)."""
        found = [wid for k in range(MIN_STEM, len(word)) for wid in self._stems.get(word[:k], ())]
        stem = word[:-1]
        start = bisect_left(self._sorted_vocab, (stem, -1))
        for other, wid in self._sorted_vocab[start : start + MAX_COMPOUNDS]:
            if not other.startswith(stem):
                break
            found.append(wid)
        return found

    def _candidate_docs(self, by_word: dict[int, list[tuple[int, float]]]) -> np.ndarray:
        """Documents worth scoring, in order: those sharing a matched word that is not too
        common (the rarest matched word always counts).

        A word found in very many documents (in a large knowledge base) cannot pick a document
        on its own; it still counts in the score of the documents the rarer words bring in.
        """
        cap = max(SEED_CAP, int(len(self._docs) * SEED_SHARE))
        by_rarity = sorted((self._postings[wid] for wid in by_word), key=len)
        seeds = [by_rarity[0], *(docs for docs in by_rarity[1:] if len(docs) <= cap)]
        return np.unique(np.concatenate(seeds))

    def _score(
        self,
        by_word: dict[int, list[tuple[int, float]]],
        weights: list[float],
        total_weight: float,
        size: int,
    ) -> list[tuple[float, int]]:
        """Per entry with a matching text: (its score, its best text).

        A text's score is the F-measure of how much of the question it explains (recall: the
        query words it has, by weight and similarity) and how much of it the question covers
        (precision: the idf of its words the question has); an entry's, that of its best text
        blended with how much of the question all its texts together explain. In numpy over
        every (text, matched word) pair at once: a long message of new words meets thousands.
        """
        if not by_word:
            return []
        docs = self._candidate_docs(by_word)
        wids = list(by_word)
        postings = [self._postings[wid] for wid in wids]
        lengths = np.fromiter((len(p) for p in postings), dtype=np.int64, count=len(wids))
        all_docs = np.concatenate(postings)
        # Where each candidate text sits in *docs* (others: -1).
        position = np.full(len(self._docs), -1, dtype=np.int64)
        position[docs] = np.arange(len(docs))
        where = position[all_docs]
        kept = where >= 0
        # Precision's numerator: the idf (times the best similarity) of every matched word.
        word_hits = np.fromiter(
            (self._idf[wid] * max(sim for _, sim in by_word[wid]) for wid in wids),
            dtype=np.float64,
            count=len(wids),
        )
        hit = np.bincount(
            where[kept], weights=np.repeat(word_hits, lengths)[kept], minlength=len(docs)
        )
        # Recall's rows: per text and query word, the best similarity of a word it has.
        pair_word = np.fromiter(
            (k for k, wid in enumerate(wids) for _ in by_word[wid]), dtype=np.int64
        )
        pair_query = np.fromiter((i for wid in wids for i, _ in by_word[wid]), dtype=np.int64)
        pair_sim = np.fromiter((sim for wid in wids for _, sim in by_word[wid]), np.float64)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        pair_lengths = lengths[pair_word]
        # Each pair stands for its word's postings: where in *all_docs* they begin, repeated.
        offsets = np.repeat(
            starts[pair_word] - np.cumsum(pair_lengths) + pair_lengths, pair_lengths
        )
        spots = where[offsets + np.arange(int(pair_lengths.sum()))]
        taken = spots >= 0
        flat = np.zeros(len(docs) * size)
        np.maximum.at(
            flat,
            spots[taken] * size + np.repeat(pair_query, pair_lengths)[taken],
            np.repeat(pair_sim, pair_lengths)[taken],
        )
        rows = flat.reshape(len(docs), size)
        weight = np.asarray(weights, dtype=np.float64)
        recall = rows @ weight / total_weight
        precision = hit / self._doc_weight[docs]
        useful = (recall > 0) & (precision > 0)
        if not useful.any():
            return []
        docs, rows, recall, precision = (
            docs[useful],
            rows[useful],
            recall[useful],
            precision[useful],
        )
        beta2 = self.thresholds.beta**2
        scores = (1 + beta2) * precision * recall / (beta2 * precision + recall)
        entries = self._doc_entry[docs]
        # Per entry its best text: the highest score, the first text among equal ones.
        order = np.lexsort((docs, -scores))
        _, first_of = np.unique(entries[order], return_index=True)
        best = order[first_of]
        entry_rows = np.zeros((self._entry_count, size))
        np.maximum.at(entry_rows, entries, rows)
        entry_recall = entry_rows[entries[best]] @ weight / total_weight
        blend = self.thresholds.entry_recall
        final = (1 - blend) * scores[best] + blend * entry_recall
        return [(float(f), int(d)) for f, d in zip(final, docs[best], strict=True)]

    def needs_model(self, text: str) -> bool:
        """Never: this matcher has no model."""
        return False

    def match(self, text: str, limit: int = 3) -> Match:
        """Score *text* against every entry; the band says how far to trust the best one.

        Families ask the same things again and again: results are remembered per text.
        """
        return remembered(
            self._match_cache, (text, limit), MATCH_CACHE_SIZE, lambda: self._match(text, limit)
        )

    def _match(self, text: str, limit: int) -> Match:
        query = list(dict.fromkeys(self._content_words(text)))[:MAX_QUERY_WORDS]
        if len(query) >= self.thresholds.story_words:  # "Hello KI Düsseldorf, we came …"
            query = [word for word in query if word not in self._addressee] or query
        if all(word.isdigit() for word in query):  # nothing, or only numbers ("1", "13")
            return Match(Band.NONE, ())
        similar = self._similar(query)
        # An unknown word in a short question is likely its topic ("dentist?"); in a long message
        # most unknown words are context ("we came from Syria last month ...").
        t = self.thresholds
        unknown_weight = (
            self._max_idf * t.unknown_word_weight * min(1.0, t.context_words / len(query))
        )
        weights = [
            max((self._idf[w] for w, s in m.items() if s == max(m.values())), default=0.0)
            if m
            else unknown_weight
            for m in similar
        ]
        total_weight = sum(weights) or 1.0
        by_word: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for i, matches in enumerate(similar):
            for wid, sim in matches.items():
                by_word[wid].append((i, sim))
        scored = self._score(by_word, weights, total_weight, len(query))
        # Equal scores keep knowledge-base order (the entry whose best text comes first).
        ranked = sorted(scored, key=lambda item: (-item[0], item[1]))[: max(limit, 2)]
        candidates = tuple(
            Candidate(self._docs[doc].entry_id, round(score, 4), self._docs[doc].lang)
            for score, doc in ranked
        )
        band = band_of(candidates, t.confident, t.unsure, t.margin)
        return Match(band, candidates[:limit], t.confident)


def remembered(cache: dict[K, V], key: K, size: int, compute: Callable[[], V]) -> V:
    """*cache*[*key*], computed once; the cache is emptied when it holds *size* results."""
    found = cache.get(key)
    if found is None:
        if len(cache) >= size:
            cache.clear()
        found = cache[key] = compute()
    return found


def band_of(
    candidates: Sequence[Candidate], confident: float, unsure: float, margin: float
) -> Band:
    """Confident when the best is high enough and far enough ahead; unsure above *unsure*."""
    if not candidates:
        return Band.NONE
    top = candidates[0].score
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    if top >= confident and top - runner_up >= margin:
        return Band.CONFIDENT
    if top >= unsure:
        return Band.UNSURE
    return Band.NONE
