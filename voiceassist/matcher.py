"""Finds the knowledge-base entry a question asks about, or says it does not know.

Each entry's question and phrasings are reduced to content words (stemmed, synonyms
folded, filler and function words dropped). A question is scored against every
phrasing that shares a word with it: the weighted share of the question's words the
phrasing covers, and of the phrasing's words the question covers, combined as an
F1 score. Words are weighted by how rare they are across entries, and words the
knowledge base has never seen weigh the most, so "what causes an itchy scalp" does
not pass for "what causes spasms in the scalp". rapidfuzz absorbs misheard words.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from .content import Entry, KnowledgeBase
from .fuzzy import Vocabulary
from .settings import MatchSettings
from .text import Analyzer, stem

_FUNCTION_WORDS = (
    "a an the my your his her their our its this that these those it i me you we they he she "
    "him them us is am are was were be been being do does did have has had having can could "
    "should would will shall may might must of in on at to for with from by about into onto "
    "over under up down out off and or but if then than so as there here what which who whom "
    "whose how when where some any all get got getting keep keeps kept feel feels felt feeling "
    "thing things something anything know tell say said mean means go going come coming "
    "happen happens happening lot lots bit little very much more most again still also just "
    "like really quite now always sometimes often "
    # Words that frame a question without saying what it is about.
    "explain tips tip idea normal possible question wondering someone anyone anybody "
    "right okay way ways best better good bad worth sure please thank thanks called named "
    "myself yourself time times day days all every"
)
STOPWORDS = frozenset(stem(w) for w in _FUNCTION_WORDS.split())

MIN_WEIGHT = 1.5
"""Topic words found in every entry ("spasm") still matter: without them it is off-topic."""
UNKNOWN_WEIGHT_FACTOR = 1.0
"""A word the knowledge base has never seen weighs this times the rarest known word."""
BETA = 0.8
"""Below 1, missing an entry's words costs more than extra words in the question."""
ALTERNATIVE_PENALTY = 0.03
"""Score lost per rank below the recogniser's best hypothesis."""
MAX_QUESTION_CHARS = 2000
CHAR_CUTOFF = 86.0
CHAR_CHECKS = 30
"""How many of the best-scoring phrasings get the whole-sentence check."""
"""Whole-sentence similarity at which a misheard copy of a phrasing counts on its own."""


@dataclass(frozen=True)
class ScoredEntry:
    entry: Entry
    score: float
    """0 to 1: how well the question matches the entry's best phrasing."""


@dataclass(frozen=True)
class MatchResult:
    kind: str
    """"answer", "clarify" or "unknown"."""
    ranked: tuple[ScoredEntry, ...]
    """The best entries, best first (at most three)."""
    confident: bool
    """False when an answer should be read back before it is given."""

    @property
    def best(self) -> ScoredEntry | None:
        return self.ranked[0] if self.ranked else None


class Matcher:
    def __init__(self, kb: KnowledgeBase, analyzer: Analyzer, settings: MatchSettings) -> None:
        import numpy as np

        self._analyzer = analyzer
        self._settings = settings
        self._entries = kb.entries
        self._phrases: list[tuple[int, frozenset[str]]] = []
        self._sentences: list[str] = []
        entry_tokens: list[set[str]] = []
        for index, entry in enumerate(kb.entries):
            seen: set[str] = set()
            for text in (entry.question, *entry.phrasings):
                tokens = self.content_tokens(text)
                if tokens:
                    self._phrases.append((index, tokens))
                    self._sentences.append(" ".join(analyzer.tokens(text)))
                    seen.update(tokens)
            entry_tokens.append(seen)
        count = len(kb.entries)
        frequency: dict[str, int] = defaultdict(int)
        for seen in entry_tokens:
            for token in seen:
                frequency[token] += 1
        self._weight = {t: max(MIN_WEIGHT, math.log(1 + count / n)) for t, n in frequency.items()}
        self._unknown_weight = UNKNOWN_WEIGHT_FACTOR * max(MIN_WEIGHT, math.log(1 + count))
        postings: dict[str, list[int]] = defaultdict(list)
        for phrase_index, (_, tokens) in enumerate(self._phrases):
            for token in tokens:
                postings[token].append(phrase_index)
        self._postings = {t: np.array(rows, dtype=np.int64) for t, rows in postings.items()}
        self._phrase_entry = np.array([e for e, _ in self._phrases], dtype=np.int64)
        self._phrase_total = np.array(
            [sum(self._weight[c] for c in tokens) for _, tokens in self._phrases]
        )
        self._vocab = Vocabulary(self._weight, analyzer.aliases())

    def content_tokens(self, text: str) -> frozenset[str]:
        return frozenset(t for t in self._analyzer.tokens(text) if t not in STOPWORDS)

    def scores(self, text: str, limit: int = 10) -> list[ScoredEntry]:
        """The entries best matching ``text``, best first (at most ``limit``)."""
        import numpy as np

        # Nobody asks a 2,000-character question; the cut bounds time. (Triage reads it all.)
        all_tokens = self._analyzer.tokens(text[:MAX_QUESTION_CHARS])
        joined = self._vocab.join_split_words(all_tokens, ignore=STOPWORDS)
        query = {t for t in joined if t not in STOPWORDS}
        if not query:
            return []
        similar = {q: self._vocab.lookup(q) for q in query}
        weight = {
            q: max((self._weight[v] for v in sims), default=self._unknown_weight)
            for q, sims in similar.items()
        }
        # Sparse dot products over the postings, vectorised: how much of the question
        # each phrasing covers (recall) and how much of each phrasing is covered (precision).
        covered_query = np.zeros(len(self._phrases))
        best_sim: dict[str, float] = {}
        for q, sims in similar.items():
            per_phrase = np.zeros(len(self._phrases))
            for v, sim in sims.items():
                rows = self._postings[v]
                per_phrase[rows] = np.maximum(per_phrase[rows], sim)
                best_sim[v] = max(best_sim.get(v, 0.0), sim)
            covered_query += weight[q] * per_phrase
        covered_phrase = np.zeros(len(self._phrases))
        for v, sim in best_sim.items():
            covered_phrase[self._postings[v]] += self._weight[v] * sim
        candidates = np.flatnonzero(covered_query)
        if not len(candidates):
            return []
        recall = covered_query[candidates] / sum(weight.values())
        precision = covered_phrase[candidates] / self._phrase_total[candidates]
        b2 = BETA * BETA
        score = (1 + b2) * recall * precision / (b2 * precision + recall)
        # A misheard copy of a phrasing ("muscles pas ms in the scalp") may share few whole
        # words but nearly all its letters; only the closest phrasings are worth the check.
        sentence = " ".join(all_tokens)
        for i in np.argsort(-score)[:CHAR_CHECKS]:
            similarity = fuzz.ratio(sentence, self._sentences[candidates[i]])
            if similarity >= CHAR_CUTOFF:
                score[i] = max(score[i], similarity / 100.0)
        best = np.zeros(len(self._entries))
        np.maximum.at(best, self._phrase_entry[candidates], score)
        order = np.argsort(-best)[:limit]
        return [ScoredEntry(self._entries[i], float(best[i])) for i in order if best[i] > 0]

    def match(self, text: str) -> MatchResult:
        return self.decide(self.scores(text))

    def match_all(self, texts: Sequence[str]) -> MatchResult:
        """Match recogniser hypotheses, best first; each entry keeps its best score.

        A lower-ranked hypothesis counts a little less, so a less likely reading
        cannot turn an off-topic question into a confident answer.
        """
        merged: dict[str, ScoredEntry] = {}
        for rank, text in enumerate(texts):
            for found in self.scores(text):
                scored = ScoredEntry(found.entry, found.score * (1 - ALTERNATIVE_PENALTY * rank))
                current = merged.get(scored.entry.id)
                if current is None or scored.score > current.score:
                    merged[scored.entry.id] = scored
        return self.decide(sorted(merged.values(), key=lambda s: -s.score))

    def decide(self, ranked: Sequence[ScoredEntry]) -> MatchResult:
        s = self._settings
        top = tuple(ranked[:3])
        if not top or top[0].score < s.clarify_threshold:
            return MatchResult("unknown", top, False)
        first = top[0].score
        second = top[1].score if len(top) > 1 else 0.0
        if first - second < s.clarify_margin and second >= s.clarify_threshold:
            return MatchResult("clarify", top, False)
        if first >= s.answer_threshold:
            return MatchResult("answer", top, first >= s.confident_threshold)
        return MatchResult("unknown", top, False)
