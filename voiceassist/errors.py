"""One exception hierarchy: the library raises these, only the CLI prints them."""

from __future__ import annotations

from dataclasses import dataclass


class VoiceAssistError(Exception):
    """Base class for every error voiceassist reports to the user."""


@dataclass(frozen=True)
class ContentIssue:
    """One problem found in a knowledge-base file."""

    path: str
    """File the problem is in."""
    line: int
    """1-based line number (0 when the problem concerns the whole file)."""
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class ContentError(VoiceAssistError):
    """The knowledge base could not be loaded; nothing from it is used."""

    def __init__(self, issues: list[ContentIssue]) -> None:
        self.issues = tuple(issues)
        first = str(self.issues[0]) if self.issues else "invalid content"
        more = len(self.issues) - 1
        suffix = (
            f" (and {more} more problem{'s' if more > 1 else ''}; run 'voiceassist content check')"
        )
        super().__init__(first + (suffix if more else ""))


class AudioError(VoiceAssistError):
    """An audio file could not be used."""


class AudioDeviceError(VoiceAssistError):
    """A microphone or speaker could not be opened or stopped working."""


class ModelError(VoiceAssistError):
    """A speech model is missing, incomplete or could not be downloaded."""


class SpeechError(VoiceAssistError):
    """Speech output failed."""


class EnrolmentError(VoiceAssistError):
    """A voice profile could not be made from the recordings given."""
