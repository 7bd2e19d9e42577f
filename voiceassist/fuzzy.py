"""Token-level fuzzy lookup, shared by triage, matcher and commands.

Speech recognisers mangle long words ("cricopharyngeal" -> "crico pharyngeal",
"neurologist" -> "new rologist"). Each input token is looked up in a fixed
vocabulary with rapidfuzz; short words must match exactly, because at four
letters one edit is a different word ("drop"/"drip").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz import fuzz, process

MIN_FUZZY_LENGTH = 5
TOKEN_CUTOFF = 84.0
LONG_WORD = 9
LONG_TOKEN_CUTOFF = 75.0
"""Long words tolerate more: "crycopharing" is still "cricopharyng"."""


_SOUNDS = (
    ("ph", "f"),
    ("ck", "k"),
    ("qu", "kw"),
    ("x", "ks"),
    ("c", "k"),
    ("y", "i"),
    ("z", "s"),
    ("gh", "g"),
    ("ee", "i"),
    ("j", "g"),
)
_DOUBLE = re.compile(r"(.)\1+")


def sounds_like(word: str) -> str:
    """A rough spelling-by-sound key, so "krikofaringeal" meets "cricopharyngeal"."""
    for written, sound in _SOUNDS:
        word = word.replace(written, sound)
    return _DOUBLE.sub(r"\1", word)


_VOWELS = re.compile(r"(?<=.)[aeiouy]+")
SKELETON_MIN_LENGTH = 6
SKELETON_SCORE = 0.85


def skeleton(word: str) -> str:
    """Consonants after the first letter: "breeth" and "breath" both give "brth"."""
    return _VOWELS.sub("", sounds_like(word))


class Vocabulary:
    """A fixed set of tokens that input tokens are fuzzily mapped onto.

    ``aliases`` maps other spellings (stemmed synonyms) to a token of the vocabulary,
    so a misheard "twitchin" still finds "spasm" through "twitch".
    """

    def __init__(self, tokens: Iterable[str], aliases: Mapping[str, str] | None = None) -> None:
        self.tokens = frozenset(tokens)
        self._target: dict[str, str] = {t: t for t in self.tokens}
        for alias, token in (aliases or {}).items():
            if token in self.tokens and " " not in alias:
                self._target.setdefault(alias, token)
        self._long = sorted(t for t in self._target if len(t) >= MIN_FUZZY_LENGTH - 1)
        self._sounds: dict[str, list[str]] = {}
        for surface in self._long:
            self._sounds.setdefault(sounds_like(surface), []).append(surface)
        self._sound_keys = sorted(self._sounds)
        self._skeletons: dict[str, list[str]] = {}
        for surface in self._long:
            if len(surface) >= SKELETON_MIN_LENGTH:
                self._skeletons.setdefault(skeleton(surface), []).append(surface)
        self._cache: dict[str, dict[str, float]] = {}

    def lookup(self, token: str) -> dict[str, float]:
        """Vocabulary tokens similar to ``token``, with similarity 0..1 (1 = exact)."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        if token in self._target:
            found[self._target[token]] = 1.0
        # A known word is taken as said; only unknown words are looked up by spelling.
        if not found and len(token) >= MIN_FUZZY_LENGTH:
            cutoff = LONG_TOKEN_CUTOFF if len(token) >= LONG_WORD else TOKEN_CUTOFF
            matches = [
                (surface, score)
                for surface, score, _ in process.extract(
                    token, self._long, scorer=fuzz.ratio, score_cutoff=cutoff, limit=5
                )
            ]
            matches += [
                (surface, score)
                for key, score, _ in process.extract(
                    sounds_like(token),
                    self._sound_keys,
                    scorer=fuzz.ratio,
                    score_cutoff=cutoff,
                    limit=3,
                )
                for surface in self._sounds[key]
            ]
            if len(token) >= SKELETON_MIN_LENGTH:
                matches += [
                    (surface, SKELETON_SCORE * 100)
                    for surface in self._skeletons.get(skeleton(token), [])
                    if fuzz.ratio(token, surface) >= 60
                ]
            for surface, score in sorted(matches, key=lambda m: -m[1]):
                found.setdefault(self._target[surface], score / 100.0)
        if len(self._cache) < 50_000:
            self._cache[token] = found
        return found

    def join_split_words(
        self, tokens: Sequence[str], ignore: frozenset[str] = frozenset()
    ) -> list[str]:
        """Rejoin words a recogniser split ("crico pharyng" -> "cricopharyng").

        Only runs of words that contain one the vocabulary does not know are tried
        (``ignore`` lists known-but-unindexed words such as "what" or "is").
        """
        unknown = [t not in self._target and t not in ignore for t in tokens]
        out: list[str] = []
        index = 0
        while index < len(tokens):
            joined = False
            for size in (5, 4, 3, 2):
                if index + size > len(tokens):
                    continue
                parts = tokens[index : index + size]
                if not any(unknown[index : index + size]):
                    continue
                candidate = "".join(parts)
                if len(candidate) < 6 or any(p in self._target and len(p) > 3 for p in parts):
                    continue
                best = self.lookup(candidate)
                if best and max(best.values()) >= 0.8:
                    out.append(max(best, key=best.__getitem__))
                    index += size
                    joined = True
                    break
            if not joined:
                out.append(tokens[index])
                index += 1
        return out
