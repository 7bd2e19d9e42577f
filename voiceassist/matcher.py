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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

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
BODY_WORDS = Path(__file__).with_name("data") / "body_words.txt"

MIN_WEIGHT = 1.5
"""Topic words found in every entry ("spasm") still matter: without them it is off-topic."""
UNKNOWN_WEIGHT_FACTOR = 1.0
"""A word the knowledge base has never seen weighs this times the rarest known word."""
BETA = 0.8
"""Below 1, missing an entry's words costs more than extra words in the question."""
ALTERNATIVE_PENALTY = 0.03
"""Score lost per rank below the recogniser's best hypothesis."""
UNSURE_WEIGHT = 0.6
"""What a heard word the recogniser was not at all sure of weighs, as a share of its
weight; a sure word weighs all of it, and the share grows with the recogniser's
confidence. Chosen on the spoken development set (see the README)."""
MAX_QUESTION_CHARS = 2000
MIN_OFFER_WORDS = 2
"""Content words a heard question needs before a weak match is offered back."""
CHAR_CUTOFF = 86.0
"""Whole-sentence similarity at which a misheard copy of a phrasing counts on its own."""
CHAR_CHECKS = 30
"""How many of the best-scoring phrasings get the whole-sentence check."""
VECTORISE_FROM = 3000
"""Phrasings from which scoring runs on numpy arrays. Below it plain Python is as quick,
and text mode starts without importing numpy (80 ms, more than half its start-up);
at 10,000 entries numpy answers in 1.2 ms where plain Python takes 9 (p99 50 ms)."""


def _f_score(recall: Any, precision: Any) -> Any:
    """Recall and precision combined; numbers or numpy arrays of them."""
    b2 = BETA * BETA
    return (1 + b2) * recall * precision / (b2 * precision + recall)


@dataclass(frozen=True)
class ScoredEntry:
    entry: Entry
    score: float
    """0 to 1: how well the question matches the entry's best phrasing."""
    elsewhere: tuple[str, ...] = ()
    """Question words that point away from this entry: words it never uses but another
    entry does ("when should I see a neurologist about headaches"), and parts of the body
    or symptoms it never mentions ("can anxiety cause stomach cramps")."""


@dataclass(frozen=True)
class MatchResult:
    kind: str
    """"answer", "clarify" or "unknown". A "clarify" ranking two entries asks which was
    meant; ranking one, it asks whether that one was (a weak match of heard words)."""
    ranked: tuple[ScoredEntry, ...]
    """The best entries, best first (at most three)."""
    confident: bool
    """False when an answer should be read back before it is given."""

    @property
    def best(self) -> ScoredEntry | None:
        return self.ranked[0] if self.ranked else None


class Matcher:
    def __init__(self, kb: KnowledgeBase, analyzer: Analyzer, settings: MatchSettings) -> None:
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
        self._entry_tokens = [frozenset(seen) for seen in entry_tokens]
        self._body = _body_words(analyzer)
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
        self._postings = dict(postings)
        self._phrase_entry = [e for e, _ in self._phrases]
        self._phrase_total = [sum(self._weight[c] for c in tokens) for _, tokens in self._phrases]
        self._vectors = (
            _Vectors(self._postings, self._phrase_entry, self._phrase_total, self._weight, count)
            if len(self._phrases) >= VECTORISE_FROM
            else None
        )
        self._vocab = Vocabulary(self._weight, analyzer.aliases())

    def content_tokens(self, text: str) -> frozenset[str]:
        return frozenset(t for t in self._analyzer.tokens(text) if t not in STOPWORDS)

    def scores(
        self, text: str, limit: int = 10, sure: Mapping[str, float] | None = None
    ) -> list[ScoredEntry]:
        """The entries best matching ``text``, best first (at most ``limit``).

        ``sure``: how sure the recogniser was of each heard word (by token, 0 to 1);
        unsure words weigh less, so misheard ones ("tablets ate") do not drown the
        words heard clearly. Words it does not name count as sure.
        """
        # Nobody asks a 2,000-character question; the cut bounds time. (Triage reads it all.)
        all_tokens = self._analyzer.tokens(text[:MAX_QUESTION_CHARS])
        joined = self._vocab.join_split_words(all_tokens, ignore=STOPWORDS)
        query = {t for t in joined if t not in STOPWORDS}
        if not query:
            return []
        similar = {q: self._vocab.lookup(q) for q in query}
        sure = sure or {}
        weight = {
            q: max((self._weight[v] for v in sims), default=self._unknown_weight)
            * (UNSURE_WEIGHT + (1 - UNSURE_WEIGHT) * sure.get(q, 1.0))
            for q, sims in similar.items()
        }
        sentence = " ".join(all_tokens)
        if self._vectors is not None:
            best = self._vectors.best(self, similar, weight, sentence, limit)
        else:
            best = self._best(similar, weight, sentence)
        order = sorted(best, key=lambda e: (-best[e], e))[:limit]
        return [
            ScoredEntry(self._entries[e], best[e], self._elsewhere(e, similar))
            for e in order
            if best[e] > 0
        ]

    def _elsewhere(self, entry: int, similar: dict[str, dict[str, float]]) -> tuple[str, ...]:
        own = self._entry_tokens[entry]
        # Another entry's word counts only when heard as said: a spelling guess is too
        # weak to doubt an answer with.
        return tuple(
            sorted(
                q
                for q, sims in similar.items()
                if own.isdisjoint(sims)
                and (q in self._body or any(sim >= 1.0 for sim in sims.values()))
            )
        )

    def _best(
        self, similar: dict[str, dict[str, float]], weight: dict[str, float], sentence: str
    ) -> dict[int, float]:
        """Each entry's best phrasing score, as sparse sums over the postings.

        How much of the question each phrasing covers (recall) and how much of each
        phrasing is covered (precision), for the phrasings sharing a word with it.
        """
        covered_query: dict[int, float] = defaultdict(float)
        best_sim: dict[str, float] = {}
        for q, sims in similar.items():
            per_phrase: dict[int, float] = {}
            for v, sim in sims.items():
                for row in self._postings[v]:
                    if sim > per_phrase.get(row, 0.0):
                        per_phrase[row] = sim
                best_sim[v] = max(best_sim.get(v, 0.0), sim)
            for row, sim in per_phrase.items():
                covered_query[row] += weight[q] * sim
        covered_phrase = dict.fromkeys(covered_query, 0.0)
        for v, sim in best_sim.items():
            for row in self._postings[v]:
                covered_phrase[row] += self._weight[v] * sim
        total = sum(weight.values())
        score = {
            row: _f_score(covered / total, covered_phrase[row] / self._phrase_total[row])
            for row, covered in covered_query.items()
        }
        closest = sorted(score, key=lambda row: (-score[row], row))[:CHAR_CHECKS]
        for row, similarity in self.char_similarity(sentence, closest).items():
            score[row] = max(score[row], similarity)
        best: dict[int, float] = {}
        for row, value in score.items():
            entry = self._phrase_entry[row]
            best[entry] = max(best.get(entry, 0.0), value)
        return best

    def char_similarity(self, sentence: str, rows: Iterable[int]) -> dict[int, float]:
        """Phrasings the whole sentence is nearly a copy of, and how near (0 to 1).

        A misheard copy of a phrasing ("muscles pas ms in the scalp") may share few whole
        words but nearly all its letters; only the closest phrasings are worth the check.
        """
        found = {}
        for row in rows:
            similarity = fuzz.ratio(sentence, self._sentences[row])
            if similarity >= CHAR_CUTOFF:
                found[row] = similarity / 100.0
        return found

    def match(self, text: str) -> MatchResult:
        return self.decide(self.scores(text))

    def match_all(
        self, texts: Sequence[str], heard: bool = False, confidence: Sequence[float] = ()
    ) -> MatchResult:
        """Match recogniser hypotheses, best first; each entry keeps its best score.

        A lower-ranked hypothesis counts a little less, so a less likely reading
        cannot turn an off-topic question into a confident answer. ``heard``: the
        texts come from a recogniser, so a weak but clear match is offered back.
        ``confidence``: how sure the recogniser was of each word of the first text;
        the other texts share it for the words they have in common.
        """
        sure = self._sure(texts[0], confidence) if texts and confidence else None
        merged: dict[str, ScoredEntry] = {}
        for rank, text in enumerate(texts):
            for found in self.scores(text, sure=sure):
                scored = replace(found, score=found.score * (1 - ALTERNATIVE_PENALTY * rank))
                current = merged.get(scored.entry.id)
                if current is None or scored.score > current.score:
                    merged[scored.entry.id] = scored
        # One word ("see", often noise heard as a word) is too little to offer back.
        offer = heard and len(self.content_tokens(texts[0] if texts else "")) >= MIN_OFFER_WORDS
        return self.decide(sorted(merged.values(), key=lambda s: -s.score), offer)

    def _sure(self, text: str, confidence: Sequence[float]) -> dict[str, float] | None:
        """Token -> how sure the recogniser was of the word it came from (the surest,
        if heard twice)."""
        words = text.split()
        if len(words) != len(confidence):
            return None
        sure: dict[str, float] = {}
        for word, p in zip(words, confidence, strict=True):
            for token in self._analyzer.tokens(word):
                sure[token] = max(sure.get(token, 0.0), p)
        return sure

    def decide(self, ranked: Sequence[ScoredEntry], offer: bool = False) -> MatchResult:
        """``offer``: a weak but clear match is offered back rather than unknown."""
        s = self._settings
        top = tuple(ranked[:3])
        first = top[0].score if top else 0.0
        second = top[1].score if len(top) > 1 else 0.0
        if first >= s.clarify_threshold:
            if first - second < s.clarify_margin and second >= s.clarify_threshold:
                return MatchResult("clarify", top, False)
            if first >= s.answer_threshold:
                # A question with words that point elsewhere is read back too: the
                # listener hears what was answered, and can tell when it is not what
                # they asked.
                confident = first >= s.confident_threshold and not top[0].elsewhere
                return MatchResult("answer", top, confident)
        if offer and first >= s.confirm_threshold and first - second >= s.clarify_margin:
            return MatchResult("clarify", top[:1], False)
        return MatchResult("unknown", top, False)


class _Vectors:
    """The postings as numpy arrays, for knowledge bases too large for plain Python."""

    def __init__(
        self,
        postings: dict[str, list[int]],
        phrase_entry: list[int],
        phrase_total: list[float],
        weight: dict[str, float],
        entries: int,
    ) -> None:
        import numpy as np

        self._weight = weight
        self._entries = entries
        self._postings = {t: np.array(rows, dtype=np.int64) for t, rows in postings.items()}
        self._phrase_entry = np.array(phrase_entry, dtype=np.int64)
        self._phrase_total = np.array(phrase_total)

    def best(
        self,
        matcher: Matcher,
        similar: dict[str, dict[str, float]],
        weight: dict[str, float],
        sentence: str,
        limit: int,
    ) -> dict[int, float]:
        """The ``limit`` best entries and their scores; ``Matcher._best`` vectorised."""
        import numpy as np

        phrases = len(self._phrase_entry)
        covered_query = np.zeros(phrases)
        best_sim: dict[str, float] = {}
        for q, sims in similar.items():
            per_phrase = np.zeros(phrases)
            for v, sim in sims.items():
                rows = self._postings[v]
                per_phrase[rows] = np.maximum(per_phrase[rows], sim)
                best_sim[v] = max(best_sim.get(v, 0.0), sim)
            covered_query += weight[q] * per_phrase
        covered_phrase = np.zeros(phrases)
        for v, sim in best_sim.items():
            covered_phrase[self._postings[v]] += self._weight[v] * sim
        candidates = np.flatnonzero(covered_query)
        if not len(candidates):
            return {}
        recall = covered_query[candidates] / sum(weight.values())
        precision = covered_phrase[candidates] / self._phrase_total[candidates]
        score = _f_score(recall, precision)
        closest = _top(score, CHAR_CHECKS)
        near = matcher.char_similarity(sentence, candidates[closest].tolist())
        for i in closest:
            score[i] = max(score[i], near.get(int(candidates[i]), 0.0))
        best = np.zeros(self._entries)
        np.maximum.at(best, self._phrase_entry[candidates], score)
        top = _top(best, limit)
        return {int(e): float(best[e]) for e in top}


def _body_words(analyzer: Analyzer) -> frozenset[str]:
    lines = BODY_WORDS.read_text(encoding="utf-8").splitlines()
    words = (line for line in lines if line.strip() and not line.startswith("#"))
    return frozenset(token for word in words for token in analyzer.tokens(word))


def _top(values: Any, count: int) -> Any:
    """Indices of the ``count`` largest values, best first, ties to the lower index
    (as ``Matcher._best`` orders them); a partition first, as a full sort of every
    candidate took a millisecond at 10,000 entries."""
    import numpy as np

    if len(values) > count:
        kth = np.partition(values, len(values) - count)[len(values) - count]
        rows = np.flatnonzero(values >= kth)
    else:
        rows = np.arange(len(values))
    return rows[np.lexsort((rows, -values[rows]))][:count]
