"""Speech output: pyttsx3 synthesis in a worker process, playback through sounddevice.

pyttsx3 on Linux synthesises a whole utterance, plays it with ``aplay``, cannot be
stopped, prints to stdout, and is reported to hang or speak only once (pyttsx3
#126, #131, #219). So it only ever writes WAV files here, in a worker process that a
watchdog restarts when it hangs; audio is played by PortAudio, which can be stopped
at once; and answers are synthesised sentence by sentence, so the first sentence
plays while the next is made.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import multiprocessing.connection
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .errors import AudioDeviceError, SpeechError
from .settings import SpeechSettings

_LOGGER = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def sentences(parts: Sequence[str]) -> list[str]:
    """Split what is to be said into sentences, so the first can play while the rest are made."""
    out: list[str] = []
    for part in parts:
        out += [s.strip() for s in _SENTENCE_END.split(part) if s.strip()]
    return out


@dataclass(frozen=True)
class Voice:
    id: str
    name: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Audio:
    """Synthesised speech: 16-bit mono PCM."""

    pcm: bytes
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.rate


# -- the synthesis worker ---------------------------------------------------------


def _worker(conn: multiprocessing.connection.Connection, hang_on: str | None) -> None:
    """Runs in its own process: text in, PCM out. pyttsx3 never touches the parent."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # pyttsx3 prints "Audio saved to ..." on stdout
    import pyttsx3

    engine = pyttsx3.init()
    workdir = Path(tempfile.mkdtemp(prefix="voiceassist-tts-"))
    names = (str(n) for n in itertools.count())
    try:
        while True:
            try:
                request = conn.recv()
            except EOFError:
                break
            if request is None:
                break
            text, rate, volume, voice = request
            if hang_on is not None and hang_on in text:  # a seam for the watchdog test
                time.sleep(3600)
            result: Any
            try:
                engine.setProperty("rate", rate)
                engine.setProperty("volume", volume)
                if voice:
                    engine.setProperty("voice", voice)
                result = _render(engine, text, rate, workdir, names)
            except Exception as err:
                result = f"{type(err).__name__}: {err}"
            with contextlib.suppress(BrokenPipeError):
                conn.send(result)
    finally:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


def _render(engine: Any, text: str, rate: int, workdir: Path, names: Iterator[str]) -> Any:
    """Synthesise into a fresh file and read it back, working around pyttsx3's espeak driver.

    runAndWait sometimes returns before the file is written (seen here on 1 call in 4
    in a new process): wait until the file stops growing, and try once more with a new
    file if it stays empty or its length does not fit the text.
    """
    import wave

    expected = len(text.split()) / (rate / 60)
    for _attempt in range(2):
        path = workdir / f"{next(names)}.wav"
        engine.save_to_file(text, str(path))
        engine.runAndWait()
        deadline, last = time.monotonic() + 1.0, -1
        while time.monotonic() < deadline:
            size = path.stat().st_size if path.exists() else 0
            if size > 44 and size == last:
                break
            last = size
            time.sleep(0.02)
        try:
            with contextlib.closing(wave.open(str(path), "rb")) as wav:
                frames = wav.readframes(wav.getnframes())
                rate_hz, width, channels = (
                    wav.getframerate(),
                    wav.getsampwidth(),
                    wav.getnchannels(),
                )
        except (OSError, EOFError, wave.Error):
            continue
        seconds = len(frames) / max(1, width * channels * rate_hz)
        if 0.3 * expected <= seconds <= 3 * expected + 1.0:
            return frames, rate_hz, width, channels
    return f"no usable audio for {len(text.split())} words"


class Synthesizer:
    """pyttsx3 in a worker process, behind a watchdog."""

    STARTUP_SECONDS = 10.0
    """Extra time allowed for the first sentence of a new worker (process start, engine init)."""

    def __init__(self, settings: SpeechSettings, hang_on: str | None = None) -> None:
        self.settings = settings
        self._hang_on = hang_on
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: multiprocessing.connection.Connection | None = None
        self._fresh = False
        self._lock = threading.RLock()
        self.restarts = 0

    def _start(self) -> multiprocessing.connection.Connection:
        if self._conn is not None and self._process is not None and self._process.is_alive():
            return self._conn
        self._fresh = True
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self._process = context.Process(target=_worker, args=(child, self._hang_on), daemon=True)
        self._process.start()
        child.close()
        self._conn = parent
        return parent

    def synthesize(self, text: str) -> Audio:
        """Speech for ``text``; raises SpeechError if the engine hangs, fails or is silent."""
        with self._lock:
            return self._synthesize(text)

    def _synthesize(self, text: str) -> Audio:
        s = self.settings
        conn = self._start()
        conn.send((text, s.rate, s.volume, s.voice))
        # The first request also pays for starting the worker and the engine.
        bound = s.timeout + 0.1 * len(text.split())
        if self._fresh:
            bound += self.STARTUP_SECONDS
            self._fresh = False
        if not conn.poll(bound):
            self.restart()
            raise SpeechError(
                f"speech synthesis took longer than {bound:.1f} s; the speech engine was restarted"
            )
        try:
            result = conn.recv()
        except EOFError as err:
            self.restart()
            raise SpeechError("the speech engine stopped unexpectedly") from err
        if isinstance(result, str):
            raise SpeechError(f"speech engine failed: {result}")
        pcm, rate, width, channels = result
        audio = _as_mono16(pcm, rate, width, channels)
        # A silent or truncated result (pyttsx3's first-call bug) is not used.
        words = max(1, len(text.split()))
        if audio.seconds < 0.06 * words:
            raise SpeechError(
                f"speech engine returned {audio.seconds:.2f} s of audio for {words} words"
            )
        return audio

    def warm_up(self) -> None:
        """Start the worker and engine now, so the first answer is not slowed by them."""
        with contextlib.suppress(SpeechError):
            self.synthesize("Ready.")

    def restart(self) -> None:
        """Kill a hung worker at once; the next sentence starts a new one."""
        self.restarts += 1
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout=2)
        self._process = None
        self._conn = None

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._process is not None:
            if self._conn is not None:
                with contextlib.suppress(BrokenPipeError, OSError):
                    self._conn.send(None)
            self._process.join(timeout=0.5)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(timeout=2)
        self._process = None
        self._conn = None


def _as_mono16(pcm: bytes, rate: int, width: int, channels: int) -> Audio:
    import numpy as np

    if width != 2:
        raise SpeechError(f"speech engine wrote {8 * width}-bit audio; 16-bit expected")
    samples = np.frombuffer(pcm, dtype="<i2")
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype("<i2")
    return Audio(samples.tobytes(), rate)


# -- playback ----------------------------------------------------------------------


class Player:
    """Plays audio through PortAudio; ``stop`` silences it at once from any thread."""

    def __init__(self, device: str | None = None) -> None:
        try:
            import sounddevice
        except OSError as err:
            raise AudioDeviceError(f"PortAudio is not installed ({err})") from err
        self._sd = sounddevice
        self.device = device
        self._stopped = threading.Event()
        self.first_sample_at: float | None = None
        """When PortAudio first asked for audio (for benchmarks)."""

    def play(self, audio: Audio) -> bool:
        """Block until played; False if stopped first."""
        import numpy as np

        samples = np.frombuffer(audio.pcm, dtype="<i2")
        position = 0
        done = threading.Event()

        def callback(out: Any, frames: int, time_info: Any, status: Any) -> None:
            nonlocal position
            if position == 0 and self.first_sample_at is None:
                self.first_sample_at = time.monotonic()
            chunk = samples[position : position + frames]
            out[: len(chunk), 0] = chunk
            out[len(chunk) :, 0] = 0
            position += frames
            if position >= len(samples) or self._stopped.is_set():
                raise self._sd.CallbackStop

        def open_stream() -> Any:
            return self._sd.OutputStream(
                samplerate=audio.rate,
                channels=1,
                dtype="int16",
                device=self.device,
                callback=callback,
                finished_callback=done.set,
                blocksize=256,
            )

        try:
            try:
                stream = open_stream()
            except ValueError:
                # PortAudio lists devices once; one plugged in (or started) since is not
                # in that list until PortAudio looks again.
                refresh_devices(self._sd)
                stream = open_stream()
        except Exception as err:
            raise AudioDeviceError(
                f"cannot open speaker {self.device or 'default'}: {err}"
            ) from err
        # Only this thread touches the stream; stop() just raises a flag it polls.
        with stream:
            while not done.wait(0.005):
                if self._stopped.is_set():
                    stream.abort()
                    break
        return not self._stopped.is_set()

    def stop(self) -> None:
        self._stopped.set()

    def reset(self) -> None:
        self._stopped.clear()


def refresh_devices(sd: Any) -> None:
    """Make PortAudio look for audio devices again."""
    sd._terminate()
    sd._initialize()


# -- speakers ------------------------------------------------------------------------


class Speaker(Protocol):
    """Says replies out loud (or wherever speech goes)."""

    def say(self, parts: Sequence[str]) -> bool: ...

    def configure(self, settings: SpeechSettings) -> None: ...

    def cue(self, audio: Audio) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


class SpeechSpeaker:
    """Synthesise sentence by sentence and play each as soon as it is ready."""

    def __init__(
        self, settings: SpeechSettings, device: str | None = None, hang_on: str | None = None
    ) -> None:
        self.synth = Synthesizer(settings, hang_on)
        self.player = Player(device)
        self.synth.warm_up()

    def say(self, parts: Sequence[str]) -> bool:
        self.player.reset()
        queue = sentences(parts)
        ready: list[Audio | SpeechError] = []
        lock = threading.Condition()

        def produce() -> None:
            for text in queue:
                try:
                    item: Audio | SpeechError = self.synth.synthesize(text)
                except SpeechError as err:
                    item = err
                with lock:
                    ready.append(item)
                    lock.notify()
                if self.player._stopped.is_set():
                    return

        worker = threading.Thread(target=produce, daemon=True)
        worker.start()
        for index in range(len(queue)):
            with lock:
                while len(ready) <= index:
                    if self.player._stopped.is_set():
                        return False
                    lock.wait(0.05)
                item = ready[index]
            if isinstance(item, SpeechError):
                self.player.stop()  # the producer stops after its current sentence
                raise item
            if not self.player.play(item):
                return False
        worker.join(timeout=0.1)
        return True

    def configure(self, settings: SpeechSettings) -> None:
        self.synth.settings = settings

    def cue(self, audio: Audio) -> None:
        self.player.reset()
        self.player.play(audio)

    def stop(self) -> None:
        self.player.stop()

    def close(self) -> None:
        self.stop()
        self.synth.close()


class WavFileSpeaker:
    """Writes what would be said to a WAV file instead of the speakers (--speak-to)."""

    def __init__(self, settings: SpeechSettings, path: Path) -> None:
        self.synth = Synthesizer(settings)
        self.path = path
        self._wav: Any = None

    def say(self, parts: Sequence[str]) -> bool:
        import wave

        for text in sentences(parts):
            audio = self.synth.synthesize(text)
            if self._wav is None:
                try:
                    # Kept open across replies; closed in close().
                    self._wav = wave.open(str(self.path), "wb")  # noqa: SIM115
                except OSError as err:
                    raise SpeechError(f"{self.path}: cannot write ({err.strerror})") from err
                self._wav.setnchannels(1)
                self._wav.setsampwidth(2)
                self._wav.setframerate(audio.rate)
            self._wav.writeframes(audio.pcm)
            # A short pause between sentences, as a person would leave.
            self._wav.writeframes(b"\0\0" * int(audio.rate * 0.25))
        return True

    def configure(self, settings: SpeechSettings) -> None:
        self.synth.settings = settings

    def cue(self, audio: Audio) -> None:
        pass  # cues are for live listening, not for recordings of answers

    def stop(self) -> None:
        pass

    def close(self) -> None:
        if self._wav is not None:
            self._wav.close()
            self._wav = None
        self.synth.close()


def list_voices() -> list[Voice]:
    try:
        import pyttsx3

        engine = pyttsx3.init()
        voices = engine.getProperty("voices")
    except Exception as err:
        raise SpeechError(f"no speech engine: {err}") from err
    return [
        Voice(
            str(v.id),
            str(v.name),
            tuple(str(lang) for lang in (getattr(v, "languages", None) or [])),
        )
        for v in voices
    ]
