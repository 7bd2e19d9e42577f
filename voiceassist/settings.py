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

    def __post_init__(self) -> None:
        for name in ("answer_threshold", "confident_threshold", "clarify_threshold"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.clarify_threshold > self.answer_threshold:
            raise ValueError("clarify_threshold must not be above answer_threshold")


@dataclass(frozen=True)
class Settings:
    """Everything the assistant core needs."""

    content_dir: Path = field(default_factory=default_content_dir)
    region: Region = REGIONS["US"]
    match: MatchSettings = field(default_factory=MatchSettings)
