"""Frozen settings, one dataclass per concern, built once by the CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def default_content_dir() -> Path:
    """The knowledge base shipped beside the package (``content/`` in the checkout)."""
    env = os.environ.get("VOICEASSIST_CONTENT")
    if env:
        return Path(env)
    return _PACKAGE_DIR.parent / "content"


DEFAULT_WAKE_PHRASE = "hey voice assistant"
"""Three common words, rarely said together by accident; heard 46 of 48 times on
generated speech with no false wake in 20 minutes of other talk (scripts/bench)."""


@dataclass(frozen=True)
class Region:
    """Numbers and services said aloud; they differ by country."""

    code: str
    emergency_number: str
    """Number to call in an emergency."""
    urgent_service: str
    """Where to get same-day help that is not an emergency."""
    crisis_line: str
    """Who to contact in a mental-health crisis."""

    def placeholders(self) -> dict[str, str]:
        return {
            "emergency": self.emergency_number,
            "urgent": self.urgent_service,
            "crisis": self.crisis_line,
        }


REGIONS: dict[str, Region] = {
    "US": Region(
        "US",
        "911",
        "your doctor or an urgent care center today",
        "the 988 Suicide and Crisis Lifeline: call or text 988",
    ),
    "UK": Region(
        "UK",
        "999",
        "NHS 111, by phone or online, today",
        "Samaritans on 116 123, free at any time",
    ),
    "EU": Region(
        "EU",
        "112",
        "your doctor or an out-of-hours doctor today",
        "a local crisis line, or 112",
    ),
}


@dataclass(frozen=True)
class MatchSettings:
    """Confidence thresholds for the matcher (scores are 0 to 1)."""

    answer_threshold: float = 0.72
    """At or above this, and clear of the runner-up, the entry is answered."""
    confident_threshold: float = 0.85
    """Below this an answer is read back first ("You asked about ...")."""
    clarify_threshold: float = 0.65
    """Two entries both at or above this and close together: ask which."""
    clarify_margin: float = 0.08
    """The best entry must beat the runner-up by this much to be answered."""
    confirm_threshold: float = 0.55
    """Speech only: below the answer threshold but at or above this, and clear of the
    runner-up, the entry is offered ("Did you mean ...?"). Misheard words lower the
    score of a question the knowledge base covers; typed words are what was meant."""

    def __post_init__(self) -> None:
        names = (
            "answer_threshold",
            "confident_threshold",
            "clarify_threshold",
            "confirm_threshold",
        )
        for name in names:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.clarify_threshold > self.answer_threshold:
            raise ValueError("clarify_threshold must not be above answer_threshold")
        if self.confirm_threshold > self.answer_threshold:
            raise ValueError("confirm_threshold must not be above answer_threshold")


def user_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("voiceassist", appauthor=False))


def user_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("voiceassist", appauthor=False))


PROJECT_MODELS_DIR = _PACKAGE_DIR.parent / "models"


@dataclass(frozen=True)
class SpeechInputSettings:
    """Microphone, endpointing and recogniser choices."""

    engine: str = "auto"
    """"auto" (Vosk if a model is found, else PocketSphinx), "vosk" or "pocketsphinx"."""
    model: Path | None = None
    """A Vosk model folder given with --model or VOICEASSIST_MODEL."""
    device: str | None = None
    """Input device: an index, or part of its name; None for the default."""
    trailing_silence: float = 0.5
    """Seconds of silence that end an utterance."""
    max_utterance: float = 15.0
    """Seconds after which an utterance is ended even without a pause."""
    alternatives: int = 5
    """How many recogniser hypotheses are matched and triaged."""
    cache_dir: Path = field(default_factory=user_cache_dir)
    """Where the knowledge-base language model is cached."""
    voice_profile: Path | None = None
    """An MLLR transform from ``voiceassist enrol`` for the embedded engine (Vosk has
    no use for it)."""
    learn_voice: bool = False
    """Adapt the embedded engine to the person during a conversation, when no voice
    profile is in use."""

    def __post_init__(self) -> None:
        if self.engine not in ("auto", "vosk", "pocketsphinx"):
            raise ValueError(f"engine must be auto, vosk or pocketsphinx, not {self.engine}")
        if not 0.1 <= self.trailing_silence <= 5.0:
            raise ValueError("trailing silence must be between 0.1 and 5 seconds")


@dataclass(frozen=True)
class SpeechSettings:
    rate: int = 170
    """Words per minute."""
    volume: float = 1.0
    """0 to 1."""
    voice: str | None = None
    """A pyttsx3 voice id or part of its name; None for the engine's default."""
    timeout: float = 5.0
    """Seconds a sentence may take to synthesise before the worker is restarted."""

    def __post_init__(self) -> None:
        if not 60 <= self.rate <= 500:
            raise ValueError(f"rate must be 60 to 500 words per minute, not {self.rate}")
        if not 0.0 <= self.volume <= 1.0:
            raise ValueError(f"volume must be between 0 and 1, not {self.volume}")


@dataclass(frozen=True)
class Settings:
    """Everything the assistant core needs."""

    content_dir: Path = field(default_factory=default_content_dir)
    region: Region = REGIONS["US"]
    match: MatchSettings = field(default_factory=MatchSettings)
    speech_input: SpeechInputSettings = field(default_factory=SpeechInputSettings)
    speech: SpeechSettings = field(default_factory=SpeechSettings)
