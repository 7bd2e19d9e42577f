"""Normalisation shared by the matcher, the triage rules and the command words.

Speech recognisers give lower-case words without punctuation; people typing give
anything. Both are reduced to the same stemmed tokens, with synonyms folded into
one canonical word, so that content authors and users need not agree on wording.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence

import Stemmer

# PyStemmer is the Snowball project's C build of the same English stemmer: stemming the
# knowledge base at start-up took 80 ms in the pure-Python one, 5 ms in this.
_STEMMER = Stemmer.Stemmer("english")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})

# Whole-word contractions first, then the general suffixes.
_CONTRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bcan'?t\b", "can not"),
        (r"\bcannot\b", "can not"),
        (r"\bwon'?t\b", "will not"),
        (r"\bain'?t\b", "is not"),
        (r"\b(\w+)n't\b", r"\1 not"),
        (r"\b(i)'m\b", r"\1 am"),
        (r"\b(\w+)'re\b", r"\1 are"),
        (r"\b(\w+)'ve\b", r"\1 have"),
        (r"\b(\w+)'ll\b", r"\1 will"),
        (r"\b(\w+)'d\b", r"\1 would"),
        (r"\b(\w+)'s\b", r"\1"),
    )
)

# Only text that could hold a contraction goes through the patterns above; most content
# and most speech has none, and start-up normalises every phrase of the knowledge base.
_MAY_CONTRACT = re.compile(r"'|\b(?:cant|cannot|wont|aint)\b")

# Recognisers often split reflexives: "kill my self".
_SPLIT_SELF = re.compile(r"\b(my|your|him|her|it|one)\s+self\b")

_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
    "eleven": "11", "twelve": "12", "twenty": "20", "thirty": "30",
    "first": "1", "second": "2", "third": "3",
}  # fmt: skip

# Words that carry no meaning in a spoken question ("um, hey, my face twitches").
# "so", "like" and "just" stay: they carry meaning too often ("feels like").
FILLER_WORDS = frozenset(
    "um umm uh uhh er erm ah hmm mm okay ok please hey hi hello really actually basically".split()
)
# Two-word fillers; their single words ("know", "mean") carry meaning elsewhere.
FILLER_PAIRS = frozenset({("you", "know"), ("i", "mean"), ("sort", "of"), ("kind", "of")})

_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """Lower-case, ASCII-fold, expand contractions, drop punctuation and number words."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    # Accents go (naïve -> naive); anything that is not a letter or digit becomes a space.
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    if _MAY_CONTRACT.search(text):
        for pattern, replacement in _CONTRACTIONS:
            text = pattern.sub(replacement, text)
    text = _SPLIT_SELF.sub(r"\1self", text)
    words = _NON_WORD.sub(" ", text).split()
    return " ".join(_NUMBER_WORDS.get(word, word) for word in words)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


class Analyzer:
    """Turns text into canonical stemmed tokens, folding synonyms and filler.

    ``synonyms`` maps a phrase (its words) to the canonical word that replaces it;
    the longest phrase wins, so "get rid of" can map to "stop" while "rid" alone stays.
    """

    def __init__(self, synonyms: Mapping[str, str] | None = None) -> None:
        self._phrases: dict[tuple[str, ...], str] = {}
        for phrase, canonical in (synonyms or {}).items():
            key = tuple(stem(w) for w in normalize(phrase).split())
            target = " ".join(stem(w) for w in normalize(canonical).split())
            if key:
                self._phrases[key] = target
        self._longest = max((len(k) for k in self._phrases), default=1)

    def aliases(self) -> dict[str, str]:
        """One-word synonyms (stemmed) and the canonical word they fold into."""
        return {k[0]: v for k, v in self._phrases.items() if len(k) == 1 and " " not in v}

    def tokens(self, text: str, *, keep_filler: bool = False) -> tuple[str, ...]:
        words = normalize(text).split()
        if not keep_filler:
            words = _drop_filler(words)
        return self._fold(tuple(stem(w) for w in words))

    def _fold(self, stems: Sequence[str]) -> tuple[str, ...]:
        out: list[str] = []
        i = 0
        while i < len(stems):
            for size in range(min(self._longest, len(stems) - i), 0, -1):
                canonical = self._phrases.get(tuple(stems[i : i + size]))
                if canonical is not None:
                    out.extend(canonical.split())
                    i += size
                    break
            else:
                out.append(stems[i])
                i += 1
        return tuple(out)


def _drop_filler(words: Sequence[str]) -> list[str]:
    kept: list[str] = []
    index = 0
    while index < len(words):
        if tuple(words[index : index + 2]) in FILLER_PAIRS:
            index += 2
            continue
        if words[index] not in FILLER_WORDS:
            kept.append(words[index])
        index += 1
    return kept
