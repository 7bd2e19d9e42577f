"""Spoken commands ("repeat", "slower", "goodbye"), valid at any moment.

A command must be the whole utterance, give or take filler and a misheard word:
"could you repeat that" is a command, "how do I repeat a dose" is a question.
"""

from __future__ import annotations

from rapidfuzz import fuzz, process

from .text import normalize

COMMAND_PHRASES: dict[str, tuple[str, ...]] = {
    "goodbye": (
        "goodbye",
        "good bye",
        "bye",
        "bye bye",
        "quit",
        "exit",
        "that is all",
        "that is all thank you",
        "i am done",
        "we are done",
        "end",
        "thank you goodbye",
        "no more questions",
        "stop listening",
    ),
    "repeat": (
        "repeat",
        "repeat that",
        "say that again",
        "could you repeat that",
        "can you repeat that",
        "pardon",
        "sorry what",
        "what did you say",
        "again",
        "say it again",
        "one more time",
        "come again",
        "repeat please",
    ),
    "slower": (
        "slower",
        "slow down",
        "speak slower",
        "talk slower",
        "a bit slower",
        "more slowly",
        "speak more slowly",
        "too fast",
    ),
    "faster": (
        "faster",
        "speed up",
        "speak faster",
        "talk faster",
        "a bit faster",
        "more quickly",
        "too slow",
    ),
    "louder": (
        "louder",
        "speak up",
        "speak louder",
        "a bit louder",
        "volume up",
        "turn it up",
        "i can not hear you",
    ),
    "quieter": (
        "quieter",
        "softer",
        "speak quieter",
        "a bit quieter",
        "volume down",
        "turn it down",
        "too loud",
    ),
    "stop": (
        "stop",
        "stop talking",
        "be quiet",
        "quiet",
        "shut up",
        "enough",
        "cancel",
        "stop speaking",
        "hush",
        "silence",
    ),
    "more": (
        "more",
        "next",
        "go on",
        "continue",
        "tell me more",
        "carry on",
        "keep going",
        "what else",
    ),
    "back": ("back", "go back", "previous", "last part", "the part before"),
    "help": (
        "help",
        "what can i ask",
        "what can you do",
        "what do you know about",
        "what can i ask you",
        "what questions can i ask",
        "what topics do you know",
        "list topics",
        "options",
        "i need help using this",
    ),
    "source": (
        "where is that from",
        "where does that come from",
        "what is the source",
        "sources",
        "source",
        "who says so",
        "where did you get that",
        "how do you know that",
        "when was that reviewed",
    ),
    "sounds_off": (
        "sounds off",
        "turn off the sounds",
        "turn the sounds off",
        "no more beeps",
        "no beeps",
        "turn off the beeps",
        "stop the beeps",
    ),
    "sounds_on": (
        "sounds on",
        "turn on the sounds",
        "turn the sounds on",
        "turn on the beeps",
        "bring back the beeps",
        "beeps on",
    ),
}

_CHOICES: list[tuple[str, str]] = [
    (normalize(phrase), name) for name, phrases in COMMAND_PHRASES.items() for phrase in phrases
]
_POLITE = {
    "please",
    "thanks",
    "thank",
    "you",
    "ok",
    "okay",
    "um",
    "uh",
    "er",
    "so",
    "just",
    "can",
    "could",
    "would",
    "will",
}
CUTOFF = 88.0

CONFIRM_PHRASES: dict[bool, tuple[str, ...]] = {
    True: ("yes", "yes please", "yeah", "yep", "that's right", "that's it", "correct", "right"),
    False: ("no", "no thanks", "nope", "that's wrong", "not that", "something else"),
}
"""Answers to "Did you mean ...?"; heard only while such a question is waiting."""
_FIRST_WORD = {"yes": True, "yeah": True, "yep": True, "no": False, "nope": False, "nah": False}
_CONFIRMATIONS = [
    (normalize(phrase), meaning)
    for meaning, phrases in CONFIRM_PHRASES.items()
    for phrase in phrases
]


def find_confirmation(text: str) -> bool | None:
    """True for yes, False for no, None when ``text`` is neither (a new question, say)."""
    words = [w for w in normalize(text).split() if w not in _POLITE]
    if not words or len(words) > 4:
        return None
    # "no thanks" is often heard as "no" and a stray word; the first word decides.
    if words[0] in _FIRST_WORD:
        return _FIRST_WORD[words[0]]
    said = " ".join(words)
    return next((m for p, m in _CONFIRMATIONS if fuzz.ratio(said, p) >= CUTOFF), None)


def find_command(text: str) -> str | None:
    """The command ``text`` is, or None if it is not (only) a command."""
    words = normalize(text).split()
    if not words or len(words) > 8:
        return None
    candidates = {" ".join(words)}
    core = [w for w in words if w not in _POLITE]
    if core:
        candidates.add(" ".join(core))
    best: tuple[str, float] | None = None
    for candidate in candidates:
        found = process.extractOne(
            candidate, [c for c, _ in _CHOICES], scorer=fuzz.ratio, score_cutoff=CUTOFF
        )
        if found is not None and (best is None or found[1] > best[1]):
            best = (_CHOICES[found[2]][1], found[1])
    return best[0] if best else None
