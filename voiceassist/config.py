"""Per-user preferences, kept in the usual per-user config folder and changed by voice.

The file is plain YAML (``voiceassist config`` shows where); anything unknown or
invalid in it is reported with the file and line, never silently dropped.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import VoiceAssistError
from .settings import DEFAULT_WAKE_PHRASE, REGIONS, SpeechSettings

LISTEN_MODES = ("always", "wake", "key")

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preferences:
    rate: int = 170
    """Speaking rate, words per minute."""
    volume: float = 1.0
    """0.2 to 1."""
    voice: str | None = None
    region: str = "US"
    read_back: bool = True
    """Say "You asked about ..." before answers given with medium confidence."""
    cues: bool = True
    """Short sounds when listening starts and stops, and on errors (all of them)."""
    cue_listening: bool = True
    """The rising "speak now" sound."""
    cue_stopped: bool = True
    """The falling "no longer listening" sound."""
    cue_error: bool = True
    """The low "not understood / something went wrong" sound."""
    barge_in: bool = False
    """Keep the microphone open while speaking; talking stops the speech at once."""
    listen: str = "always"
    """always: answer what is heard; wake: only after the wake phrase; key: after a key press."""
    wake_phrase: str = DEFAULT_WAKE_PHRASE
    quiet_timeout: int = 300
    """Seconds with no speech before listening stops (0: never)."""

    def __post_init__(self) -> None:
        if self.listen not in LISTEN_MODES:
            modes = ", ".join(LISTEN_MODES)
            raise ValueError(f"listen must be one of {modes}, not {self.listen!r}")
        if not 1 <= len(self.wake_phrase.split()) <= 5:
            raise ValueError("wake_phrase must be one to five words")
        if self.quiet_timeout != 0 and not 10 <= self.quiet_timeout <= 86400:
            raise ValueError(
                f"quiet_timeout must be 0 (never) or 10 to 86400 seconds, not {self.quiet_timeout}"
            )
        if not 80 <= self.rate <= 400:
            raise ValueError(f"rate must be 80 to 400 words per minute, not {self.rate}")
        if not 0.2 <= self.volume <= 1.0:
            raise ValueError(f"volume must be 0.2 to 1, not {self.volume}")
        if self.region not in REGIONS:
            raise ValueError(f"region must be one of {', '.join(sorted(REGIONS))}")

    def cue_on(self, name: str) -> bool:
        """Whether the cue ``name`` (listening, stopped, error) is to be played."""
        return self.cues and bool(getattr(self, f"cue_{name}"))

    def speech(self) -> SpeechSettings:
        return SpeechSettings(rate=self.rate, volume=self.volume, voice=self.voice)

    def slower(self) -> Preferences:
        return dataclasses.replace(self, rate=max(80, self.rate - 30))

    def faster(self) -> Preferences:
        return dataclasses.replace(self, rate=min(400, self.rate + 30))

    def louder(self) -> Preferences:
        return dataclasses.replace(self, volume=min(1.0, round(self.volume + 0.2, 2)))

    def quieter(self) -> Preferences:
        return dataclasses.replace(self, volume=max(0.2, round(self.volume - 0.2, 2)))


FIELDS = {f.name: f for f in dataclasses.fields(Preferences)}


def config_path() -> Path:
    env = os.environ.get("VOICEASSIST_CONFIG")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("voiceassist", appauthor=False)) / "config.yaml"


def load(path: Path | None = None) -> Preferences:
    path = path or config_path()
    if not path.exists():
        return Preferences()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as err:
        raise VoiceAssistError(f"{path}: cannot read settings: {err}") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise VoiceAssistError(f"{where}: invalid settings file: {err}") from err
    if not isinstance(data, dict):
        raise VoiceAssistError(f"{path}: settings must be a mapping of names to values")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise VoiceAssistError(
            f"{path}: unknown setting(s): {', '.join(map(str, unknown))}; "
            f"known: {', '.join(FIELDS)}"
        )
    try:
        return Preferences(**{k: _coerce(k, v) for k, v in data.items()})
    except (TypeError, ValueError) as err:
        raise VoiceAssistError(f"{path}: {err}") from err


def save(prefs: Preferences, path: Path | None = None) -> Path:
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        "# voiceassist settings; change with 'voiceassist config set NAME VALUE'\n"
        + yaml.safe_dump(dataclasses.asdict(prefs), sort_keys=False),
        encoding="utf-8",
    )
    tmp.replace(path)
    return path


def _coerce(name: str, value: Any) -> Any:
    kind = str(FIELDS[name].type)
    if isinstance(value, str):
        if "bool" in kind:
            lowered = value.lower()
            if lowered not in ("true", "false", "yes", "no", "on", "off"):
                raise ValueError(f"{name} must be true or false, not {value!r}")
            return lowered in ("true", "yes", "on")
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if name == "region":
            return value.upper()
        if name == "listen":
            return value.lower()
    return value


def set_value(prefs: Preferences, name: str, value: str) -> Preferences:
    if name not in FIELDS:
        raise VoiceAssistError(f"unknown setting '{name}'; known: {', '.join(FIELDS)}")
    try:
        return dataclasses.replace(prefs, **{name: _coerce(name, value)})
    except ValueError as err:
        raise VoiceAssistError(str(err)) from err
