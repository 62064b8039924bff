"""Meaning-based scoring beside the lexical matcher, and the fusion of both (pure, no I/O).

A multilingual sentence-embedding model puts "my daughter is 9, how does she get into school?"
near "Wo melde ich mein Kind in der Schule an?" although they share no word. Each entry is
represented by its phrasings and titles (embedded as queries) and, if wanted, its answers
(embedded as passages); a question's semantic score for an entry is its closest text's cosine,
rescaled so that the model's typical "unrelated" similarity is 0 and a paraphrase is 1.
(Cross-validation gave answer passages no weight: phrasings alone match better.)

The model itself stays behind :class:`Embedder` (``embed_queries`` / ``embed_passages``), so
another one (sentence-transformers, ONNX Runtime) can replace the bundled one; the vectors of a
knowledge base come from a :class:`PassageStore`, which may remember them on disk.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bot.core.knowledge import KnowledgeBase
from bot.core.matching import (
    MATCH_CACHE_SIZE,
    Band,
    Candidate,
    Match,
    Matcher,
    band_of,
    remembered,
)
from bot.core.normalize import words

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; queries and passages may be embedded differently."""

    @property
    def model_id(self) -> str:
        """Names the model and its version (part of the cache key)."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """One row per text, for questions."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """One row per text, for answers."""
        ...


class PassageStore(Protocol):
    """Gives the vectors of a knowledge base's texts (computing them or reading them back)."""

    def vectors(self, embedder: Embedder, texts: Sequence[str], *, as_queries: bool) -> Vectors:
        """One row per text."""
        ...


class ComputingStore:
    """A :class:`PassageStore` that always asks the model (tests, small knowledge bases)."""

    def vectors(self, embedder: Embedder, texts: Sequence[str], *, as_queries: bool) -> Vectors:
        """One row per text."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return embedder.embed_queries(texts) if as_queries else embedder.embed_passages(texts)


@dataclass(frozen=True)
class SemanticSettings:
    """How similarities become scores, and how they are fused with the lexical score."""

    # Chosen by 5-fold cross-validation on the tuning questions (bench/calibrate.py).
    floor: float = 0.82  # cosine of unrelated texts: scores 0
    ceiling: float = 0.90  # cosine of a close paraphrase: scores 1
    above_ceiling: float = 0.0  # slope past the ceiling (0: capped, the lexical score decides)
    answer_discount: float = 0.0  # weight of answer passages (0: answers are not embedded)
    lexical_weight: float = 0.7  # share of the lexical score in the fused score
    confident: float = 0.60
    unsure: float = 0.25
    # A long message's context words lower every score: past ``long_from`` words the confident
    # threshold falls by ``long_slope`` per e-fold of length, to ``long_floor`` (0.60 at 8
    # words, 0.49 at 16, 0.45 from 21). With the phrasings of 2026-12-03 two of five folds
    # chose 0.16 and 8, all five 0.45 (which ties with 0.40 on all tuning questions).
    long_from: int = 8
    long_slope: float = 0.16
    long_floor: float = 0.45
    # Cross-validation chose no lead over the runner-up; a runner-up that would be confident
    # on its own is offered beside the answer ("Rucksack or Griffbereit?": one, then the other).
    margin: float = 0.0
    # The model is skipped where the lexical match is already this clear (score and lead): on
    # the tuning part this changed no outcome and ran the model for 53 % of questions, not 84 %
    # (893 questions, 2026-12-08: 43 %). It is skipped too where it could not make the lexical
    # best confident (``beyond_reach``): no outcome changes, and the model runs for 34 % (36 % of
    # the 971 since).
    skip_lexical_score: float = 0.60
    skip_lexical_lead: float = 0.05
    # The model reads only the last ``model_words`` words of a long message (families tell
    # their story first and ask last; the lexical matcher reads every word). Its time grows by
    # about 0.4 ms a token on two cores; on the tuning part (2026-12-04) the last 24 words gave
    # 96.8 % answered against 97.0 % with the whole message, top-1 97.0 % against 96.8 %, and
    # the same 7 confident wrong answers (30 words: 97.0 %, 36: 96.8 %). On the grown tuning
    # part (734 questions, 2026-12-07) 16 words answer as many as 24 (559 of 569, 36 of the 39
    # long ones, 6 confident wrong; 14: 560, 4 wrong; 12: 558) and the slowest questions take
    # a third less time (p99 29 ms against 37 on a slower day of the same machine).
    model_words: int = 16


def lexical_is_clear(settings: SemanticSettings, top: float, second: float) -> bool:
    """True where the lexical match is so clear (score and lead) that the model is not run."""
    return top >= settings.skip_lexical_score and top - second >= settings.skip_lexical_lead


def beyond_reach(settings: SemanticSettings, top: float, word_count: int) -> bool:
    """True where even a perfect semantic score could not make the best lexical score confident:
    the model would not change the outcome (no answer), so it is not run."""
    w = settings.lexical_weight
    return w * top + (1 - w) < confident_threshold(settings, word_count)


def model_text(settings: SemanticSettings, question: str) -> str:
    """What of *question* the model reads: at most its last ``model_words`` words."""
    parts = question.split()
    if len(parts) <= settings.model_words:
        return question
    return " ".join(parts[-settings.model_words :])


def confident_threshold(settings: SemanticSettings, word_count: int) -> float:
    """The fused score a question of *word_count* words needs for a confident answer."""
    if word_count <= settings.long_from:
        return settings.confident
    lowered = settings.confident - settings.long_slope * math.log(word_count / settings.long_from)
    return max(lowered, settings.long_floor)


class SemanticIndex:
    """The vectors of one knowledge base's phrasings, titles and answers, by entry."""

    def __init__(
        self,
        kb: KnowledgeBase,
        embedder: Embedder,
        store: PassageStore | None = None,
        settings: SemanticSettings | None = None,
    ) -> None:
        """Embed (or read back) every phrasing, title and answer of *kb*."""
        self.embedder = embedder
        self.settings = settings or SemanticSettings()
        store = store or ComputingStore()
        queries: list[str] = []
        query_owner: list[int] = []
        passages: list[str] = []
        passage_owner: list[int] = []
        self.entry_ids: list[str] = [entry.id for entry in kb.entries]
        for index, entry in enumerate(kb.entries):
            for lang, phrasings in entry.questions.items():
                for text in (*phrasings, entry.title.get(lang, "")):
                    if text:
                        queries.append(text)
                        query_owner.append(index)
            if self.settings.answer_discount > 0:
                for text in entry.answers.values():
                    passages.append(text)
                    passage_owner.append(index)
        self._queries = store.vectors(embedder, queries, as_queries=True)
        self._passages = store.vectors(embedder, passages, as_queries=False)
        self._query_owner = np.asarray(query_owner, dtype=np.int64)
        self._passage_owner = np.asarray(passage_owner, dtype=np.int64)

    def similarities(self, question: str) -> npt.NDArray[np.float64]:
        """Per entry (in knowledge-base order): the cosine of its closest text to *question*."""
        vector = self.embedder.embed_queries([model_text(self.settings, question)])[0]
        best = np.full(len(self.entry_ids), -1.0)
        if len(self._queries):
            np.maximum.at(best, self._query_owner, self._queries @ vector)
        if len(self._passages):
            discounted = (self._passages @ vector) * self.settings.answer_discount
            np.maximum.at(best, self._passage_owner, discounted)
        return best

    def scores(self, question: str) -> dict[str, float]:
        """Per entry id: the similarity rescaled, floor → 0 and ceiling → 1 (past the ceiling
        rising at ``above_ceiling``: cross-validation capped it, so among entries the model finds
        equally close the lexical score decides)."""
        s = self.settings
        scaled = np.maximum((self.similarities(question) - s.floor) / (s.ceiling - s.floor), 0)
        scaled = np.minimum(scaled, 1) + s.above_ceiling * np.maximum(scaled - 1, 0)
        return {entry_id: float(v) for entry_id, v in zip(self.entry_ids, scaled, strict=True)}


class FusedMatcher:
    """The lexical :class:`Matcher` and a :class:`SemanticIndex`, fused into one score.

    ``fused = w · lexical + (1 − w) · semantic``; the bands are calibrated on the fused score.
    Where the lexical match is already clear (high and far ahead), the model is not run.
    """

    def __init__(self, lexical: Matcher, semantic: SemanticIndex) -> None:
        """Fuse *lexical* and *semantic* with the semantic index's settings."""
        self.lexical = lexical
        self.semantic = semantic
        self.settings = semantic.settings
        self.model_runs = 0  # how often the model was asked (see bench/accuracy.py)
        self._cache: dict[tuple[str, int], Match] = {}

    @property
    def vocabulary_size(self) -> int:
        """Number of distinct folded words of the lexical index."""
        return self.lexical.vocabulary_size

    def match(self, text: str, limit: int = 3) -> Match:
        """Score *text* with both scorers; the band says how far to trust the best entry.

        The model costs 5-30 ms a question on two cores: results are remembered per text, as
        the lexical matcher does, since families send the same texts again and again.
        """
        return remembered(
            self._cache, (text, limit), MATCH_CACHE_SIZE, lambda: self._match(text, limit)
        )

    def needs_model(self, text: str, limit: int = 3) -> bool:
        """True when :meth:`match` would run the model for *text* (not remembered, lexical match
        not clear)."""
        if (text, limit) in self._cache:
            return False
        return self._lexical_band(text, self.lexical.match(text, limit=max(limit, 5))) is None

    def _lexical_band(self, text: str, lexical: Match) -> Band | None:
        """The band of *lexical* where the model is not run, None where it is: nothing to embed
        (only numbers or symbols), a clear lexical match, or one too weak for the model to make
        it confident (never confident, then)."""
        if not lexical.candidates and lexical.band is Band.NONE and not _has_letters(text):
            return lexical.band
        top = lexical.candidates[0].score if lexical.candidates else 0.0
        second = lexical.candidates[1].score if len(lexical.candidates) > 1 else 0.0
        beyond = beyond_reach(self.settings, top, len(words(text)))
        if not (beyond or lexical_is_clear(self.settings, top, second)):
            return None
        return Band.UNSURE if beyond and lexical.band is Band.CONFIDENT else lexical.band

    def _match(self, text: str, limit: int) -> Match:
        lexical = self.lexical.match(text, limit=max(limit, 5))
        band = self._lexical_band(text, lexical)
        if band is not None:
            return Match(band, lexical.candidates[:limit], lexical.threshold)
        s = self.settings
        self.model_runs += 1
        semantic = self.semantic.scores(text)
        lexical_scores = {c.entry_id: c.score for c in lexical.candidates}
        langs = {c.entry_id: c.lang for c in lexical.candidates}
        w = s.lexical_weight
        fused = {
            entry_id: w * lexical_scores.get(entry_id, 0.0) + (1 - w) * score
            for entry_id, score in semantic.items()
        }
        # sorted() is stable: equal scores keep knowledge-base order, as in the lexical matcher.
        ranked = sorted(fused.items(), key=lambda item: item[1], reverse=True)[: max(limit, 2)]
        candidates = tuple(
            Candidate(entry_id, round(score, 4), langs.get(entry_id, "de"))
            for entry_id, score in ranked
        )
        confident = confident_threshold(s, len(words(text)))
        band = band_of(candidates, confident, s.unsure, s.margin)
        return Match(band, candidates[:limit], confident)


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)
