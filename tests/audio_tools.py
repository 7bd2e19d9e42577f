"""Test helpers that make real audio: espeak-ng speaks, sox converts, PulseAudio carries."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# espeak-ng's Klatt voices are the closest it has to human speech; the default voice is
# hard for any recogniser trained on people.
VOICES = ("en-us+klatt", "en-us+klatt3", "en-us+klatt4", "en-us+klatt2")
RATES = (150, 175, 190)
SAMPLE_RATES = (16000, 22050, 44100, 48000)


def speak(
    text: str,
    path: Path,
    voice: str = "en-us+klatt",
    rate: int = 175,
    sample_rate: int | None = None,
    channels: int = 1,
    bits: int = 16,
    encoding: str = "signed-integer",
    pad: tuple[float, float] = (0.3, 0.6),
) -> Path:
    """Speak ``text`` into the WAV file ``path`` with espeak-ng, converted by sox."""
    raw = path.with_suffix(".espeak.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(raw), text], check=True)
    # -R: sox dithers with a random seed unless told to repeat itself; tests must hear
    # the same audio every run and on every machine.
    args = ["sox", "-R", "-G", str(raw), "-c", str(channels), "-b", str(bits), "-e", encoding]
    if sample_rate:
        args += ["-r", str(sample_rate)]
    subprocess.run(
        [*args, str(path), "pad", str(pad[0]), str(pad[1])], check=True, stderr=subprocess.DEVNULL
    )
    raw.unlink()
    return path


def synth(
    path: Path, seconds: float, frequency: float = 440.0, volume: float = 0.1, kind: str = "sine"
) -> Path:
    """A 16 kHz mono tone (volume 0 for silence, or ``kind`` "pinknoise") made by sox."""
    subprocess.run(
        [
            "sox",
            "-R",
            "-n",
            "-r",
            "16000",
            "-c",
            "1",
            "-b",
            "16",
            str(path),
            "synth",
            str(seconds),
            kind,
            *([str(frequency)] if kind == "sine" else []),
            "vol",
            str(volume),
        ],
        check=True,
    )
    return path


def varied(index: int) -> dict[str, int | str]:
    """Voice, speaking rate and sample rate for the index-th utterance of a set."""
    return {
        "voice": VOICES[index % len(VOICES)],
        "rate": RATES[index % len(RATES)],
        "sample_rate": SAMPLE_RATES[index % len(SAMPLE_RATES)],
    }


class PulseServer:
    """A private PulseAudio server with null sinks: a clocked virtual mic and speaker.

    ``va_mic`` is played into (paplay) and its monitor is the microphone; ``va_speaker``
    takes what voiceassist says. PortAudio reaches both through ALSA's "pulse" device.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {
            **os.environ,
            "XDG_RUNTIME_DIR": str(root / "run"),
            "HOME": str(root / "home"),
            "PULSE_SOURCE": "va_mic.monitor",
            "PULSE_SINK": "va_speaker",
        }

    def start(self) -> None:
        for name in ("run", "home"):
            (self.root / name).mkdir(mode=0o700, parents=True, exist_ok=True)
        subprocess.run(
            [
                "pulseaudio",
                "-D",
                "-n",
                "--exit-idle-time=-1",
                "--log-target=stderr",
                "--load=module-native-protocol-unix",
                "--load=module-null-sink sink_name=va_mic rate=16000 channels=1",
                "--load=module-null-sink sink_name=va_speaker rate=22050 channels=1",
            ],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=30,
        )
        deadline = time.monotonic() + 10
        while subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError("PulseAudio did not start")
            time.sleep(0.1)

    def play(self, wav: Path) -> None:
        """Play into the virtual microphone, in real time."""
        seconds = wav.stat().st_size / 16000  # at least twice the length of 8 kHz audio
        subprocess.run(
            ["paplay", "--device=va_mic", str(wav)],
            env=self.env,
            check=True,
            timeout=30 + seconds,
        )

    def stop(self) -> None:
        subprocess.run(["pulseaudio", "--kill"], env=self.env, capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def pulse_server(root: Path) -> Iterator[PulseServer]:
    server = PulseServer(root)
    server.start()
    try:
        yield server
    finally:
        server.stop()
