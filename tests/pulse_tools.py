"""Running the whole program on the PulseAudio virtual devices, and what it hears."""

from __future__ import annotations

import queue
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from .audio_tools import VOICES, PulseServer, speak
from .conftest import ROOT

# voiceassist with the embedded engine, on the PulseAudio virtual microphone and speaker.
VOICEASSIST_ON_PULSE = [
    sys.executable,
    "-m",
    "voiceassist",
    "--engine",
    "pocketsphinx",
    "--device",
    "pulse",
    "--output-device",
    "pulse",
]


def start_voiceassist(
    pulse: PulseServer,
    cache_dir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    keys: bool = False,
) -> subprocess.Popen[str]:
    """voiceassist on the virtual devices, its output read through pipes (and its input
    too with ``keys``, for key presses)."""
    return subprocess.Popen(
        [*VOICEASSIST_ON_PULSE, *args],
        stdin=subprocess.PIPE if keys else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**pulse.env, "XDG_CACHE_HOME": str(cache_dir), **(env or {})},
        cwd=ROOT,
    )


def wait_for(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


class Lines:
    """Reads a process's output on a thread, so waiting for a line can time out."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)

    def drain(self) -> list[str]:
        """Every line read so far."""
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return self.seen

    def wait_for(self, text: str | tuple[str, ...], timeout: float = 90) -> str:
        """The next line holding ``text`` (or any of several)."""
        texts = (text,) if isinstance(text, str) else text
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                recent = "".join(self.seen[-8:])
                raise AssertionError(
                    f"no line with {text!r} within {timeout} s; last lines:\n{recent}"
                ) from None
            self.seen.append(line)
            if any(t in line for t in texts):
                return line

    def wait_until_idle(self, markers: tuple[str, ...], seconds: float, timeout: float) -> None:
        """Read lines until none has come for ``seconds`` and the last one holds one of
        ``markers`` (what the program says once it is waiting again)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.seen.append(self.lines.get(timeout=seconds))
            except queue.Empty:
                if self.seen and any(marker in self.seen[-1] for marker in markers):
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"not idle after {timeout} s: {self.seen[-8:]}")


def start_with_lines(
    pulse: PulseServer, cache_dir: Path, *args: str, **options: Any
) -> tuple[subprocess.Popen[str], Lines, Lines]:
    """``start_voiceassist``, with its stdout and stderr read line by line."""
    process = start_voiceassist(pulse, cache_dir, *args, **options)
    assert process.stdout is not None and process.stderr is not None
    return process, Lines(process.stdout), Lines(process.stderr)


def other_speech(
    path: Path, seconds: float, seed: int = 1, keep: Callable[[str], bool] = lambda text: True
) -> Path:
    """``seconds`` of generated talk (everyday words in random sentences, four voices):
    the room voiceassist must not answer. The same seed gives the same audio; ``keep``
    leaves out sentences (those that really are red flags)."""
    words = (ROOT / "voiceassist" / "data" / "everyday_words.txt").read_text().split()[:3000]
    rng = random.Random(seed)

    def sentences() -> Iterator[str]:
        while True:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(5, 14)))
            if keep(text):
                yield text

    return spoken_talk(path, sentences(), seconds, pad=(0.2, 0.4))


def spoken_talk(
    path: Path, sentences: Iterable[str], seconds: float, pad: tuple[float, float] = (0.3, 0.6)
) -> Path:
    """``sentences`` spoken in turn by four voices into one 16 kHz WAV, until it lasts
    ``seconds`` (or the sentences run out)."""
    parts: list[Path] = []
    total = 0.0
    for text in sentences:
        if total >= seconds:
            break
        part = speak(
            text,
            path.with_name(f"{path.stem}-{len(parts)}.wav"),
            voice=VOICES[len(parts) % 4],
            sample_rate=16000,
            pad=pad,
        )
        parts.append(part)
        total += part.stat().st_size / 32000
    subprocess.run(["sox", *map(str, parts), str(path)], check=True)
    for part in parts:
        part.unlink()
    return path
