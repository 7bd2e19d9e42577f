"""Red-flag triage: checked on every utterance before any question is matched."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .content import TRIAGE_LEVELS, KnowledgeBase, TriageRule
from .fuzzy import Vocabulary
from .text import Analyzer

PHRASE_SLACK = 3
"""Extra words allowed between a phrase's words ("can not really breathe")."""
DEEPER_VOTES = 4
"""Hypotheses further down the recogniser's list escalate when at least this many hold a
red flag, each flag in at least ``RULE_VOTES`` of them, and not by a one-word phrase alone
("should I go" heard as "choked"). One alone is too often noise, but a flag the
recogniser keeps coming back to was likely said (development set: 110 of 117 red flags
instead of 104, emergency advice on 20 of 234 ordinary questions instead of 17)."""
RULE_VOTES = 2


@dataclass(frozen=True)
class TriageResult:
    level: str
    """The most urgent level that fired: emergency, crisis or urgent."""
    rules: tuple[TriageRule, ...]
    """Every rule that fired, most urgent first."""


class _Phrase:
    def __init__(self, tokens: tuple[str, ...]) -> None:
        self.tokens = tokens

    def found_in(self, heard: Sequence[frozenset[str]]) -> bool:
        """True if every token of the phrase is heard within a short window, in any order."""
        if not self.tokens:
            return False
        window = len(self.tokens) + PHRASE_SLACK
        first = self.tokens[0]
        for start, options in enumerate(heard):
            if first not in options:
                continue
            span = heard[max(0, start - window + 1) : start + window]
            if all(any(tok in opts for opts in span) for tok in self.tokens[1:]):
                return True
        return False


class Triage:
    """Finds red flags in what was said, tolerant of word order and small mishearings."""

    def __init__(self, kb: KnowledgeBase, analyzer: Analyzer) -> None:
        self._analyzer = analyzer
        self._rules: list[tuple[TriageRule, list[_Phrase], list[list[_Phrase]]]] = []
        vocab: set[str] = set()
        for rule in sorted(kb.triage, key=lambda r: TRIAGE_LEVELS.index(r.level)):
            any_of = [self._phrase(p) for p in rule.any]
            all_of = [[self._phrase(p) for p in group] for group in rule.all]
            for phrase in [*any_of, *(p for group in all_of for p in group)]:
                vocab.update(phrase.tokens)
            self._rules.append((rule, any_of, all_of))
        self._vocab = Vocabulary(vocab, analyzer.aliases())

    def _phrase(self, text: str) -> _Phrase:
        return _Phrase(self._analyzer.tokens(text, keep_filler=True))

    def check(self, text: str, one_word_phrases: bool = True) -> TriageResult | None:
        """``one_word_phrases``: False ignores a rule's one-word phrases ("choked"), which
        one misheard word makes; its groups of words still count."""
        tokens = self._vocab.join_split_words(self._analyzer.tokens(text, keep_filler=True))
        heard = [frozenset(self._vocab.lookup(t)) for t in tokens]
        fired = [
            rule
            for rule, any_of, all_of in self._rules
            if any(p.found_in(heard) for p in any_of if one_word_phrases or len(p.tokens) > 1)
            or (all_of and all(any(p.found_in(heard) for p in group) for group in all_of))
        ]
        if not fired:
            return None
        return TriageResult(fired[0].level, tuple(fired))

    def check_all(self, texts: Sequence[str], deeper: Sequence[str] = ()) -> TriageResult | None:
        """Triage the hypotheses of one utterance: a flag in any of ``texts`` counts, and
        flags the ``deeper`` hypotheses agree on (see ``DEEPER_VOTES``)."""
        fired = [rule for r in map(self.check, texts) if r is not None for rule in r.rules]
        voters = [r.rules for t in deeper if (r := self.check(t, one_word_phrases=False))]
        if len(voters) >= DEEPER_VOTES:
            votes = Counter(rule.id for rules in voters for rule in rules)
            fired += [rule for rules in voters for rule in rules if votes[rule.id] >= RULE_VOTES]
        if not fired:
            return None
        rules: dict[str, TriageRule] = {}
        for rule in fired:  # first heard first, within a level
            rules.setdefault(rule.id, rule)
        ordered = sorted(rules.values(), key=lambda r: TRIAGE_LEVELS.index(r.level))
        return TriageResult(ordered[0].level, tuple(ordered))
