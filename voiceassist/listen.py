"""From audio chunks to transcripts: resampling, endpointing, recognition.

The microphone and WAV files feed the same ``Listener``. Where speech starts and
stops is found by PocketSphinx's voice-activity endpointer, whose window is the
trailing silence that ends an utterance. An optional spotter hears the wake phrase
on the same stream; the recogniser then starts again where the phrase ended, so
"hey voice assistant, what is a scalp spasm" in one breath is the question alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

from .audio import RECOGNISER_RATE, AudioChunk, Resampler
from .spotter import Spotter
from .stt import Recognizer, Transcript

_LOGGER = logging.getLogger(__name__)

PartialCallback = Callable[[str], None]
WAKE_WAIT = 1.0
"""A wake phrase heard outside any utterance is reported after this many seconds."""


class Listener:
    """Splits an audio stream into utterances and recognises each one."""

    def __init__(
        self,
        recognizer: Recognizer,
        trailing_silence: float = 0.5,
        max_utterance: float = 15.0,
        spotter: Spotter | None = None,
    ) -> None:
        from pocketsphinx import Endpointer

        self.recognizer = recognizer
        self.spotter = spotter
        self._endpointer = Endpointer(window=trailing_silence, sample_rate=RECOGNISER_RATE)
        self._max_bytes = int(max_utterance * RECOGNISER_RATE) * 2
        self._frame = self._endpointer.frame_bytes / 2 / RECOGNISER_RATE

    def utterances(
        self,
        chunks: Iterable[AudioChunk],
        on_partial: PartialCallback | None = None,
        on_speech: Callable[[], None] | None = None,
        idle_after: float | None = None,
    ) -> Iterator[Transcript]:
        """Yield a transcript each time an utterance ends, and at the end of the stream.

        ``on_speech`` is called when speech starts (for barge-in). With ``idle_after``,
        an empty transcript marked ``idle`` comes after that many seconds of no speech.
        """
        ep = self._endpointer
        resampler = Resampler()
        pending = b""
        spoken = 0
        in_utterance = False
        now = 0.0  # stream time of the end of the last frame given to the endpointer
        frame_time = 0.0  # stream time of the speech frame being handled
        quiet = 0.0
        cut_at: float | None = None  # where a wake phrase just heard ended
        woke = False
        for chunk in chunks:
            pending += resampler.convert(chunk)
            while len(pending) >= ep.frame_bytes:
                frame, pending = pending[: ep.frame_bytes], pending[ep.frame_bytes :]
                now += self._frame
                if self.spotter is not None:
                    ended = self.spotter.accept(frame, quiet=not ep.in_speech)
                    if ended is not None:
                        cut_at = ended
                speech = ep.process(frame)
                if speech is None:
                    quiet += self._frame
                    if cut_at is not None and now - cut_at > WAKE_WAIT:
                        cut_at = None  # said alone, and the endpointer let it pass
                        yield self._empty(wake=True)
                    if idle_after is not None and quiet >= idle_after:
                        quiet = 0.0
                        yield self._empty(idle=True)
                    continue
                quiet = 0.0
                if not in_utterance:
                    frame_time = ep.speech_start
                    self.recognizer.start()
                    in_utterance, spoken, woke = True, 0, False
                    if on_speech is not None:
                        on_speech()
                else:
                    frame_time += self._frame
                if cut_at is not None:
                    if frame_time + self._frame / 2 < cut_at:
                        continue  # still the wake phrase
                    # The question starts here: forget the phrase the recogniser heard.
                    self.recognizer.finish()
                    self.recognizer.start()
                    cut_at, woke, spoken = None, True, 0
                self.recognizer.accept(speech)
                spoken += len(speech)
                if on_partial is not None:
                    on_partial(self.recognizer.partial())
                if not ep.in_speech or spoken >= self._max_bytes:
                    in_utterance = False
                    yield replace(self.recognizer.finish(), wake=woke)
        pending += resampler.flush()
        if ep.in_speech:
            # A stream that ends mid-speech (a file with no trailing silence) still counts.
            # end_stream wants at least one sample; silence fills an empty remainder.
            tail = ep.end_stream(pending[: ep.frame_bytes].ljust(2, b"\0"))
            if tail:
                if not in_utterance:
                    self.recognizer.start()
                    in_utterance = True
                self.recognizer.accept(tail)
        if in_utterance:
            yield replace(self.recognizer.finish(), wake=woke)
        elif cut_at is not None:
            yield self._empty(wake=True)

    def _empty(self, wake: bool = False, idle: bool = False) -> Transcript:
        return Transcript("", (), self.recognizer.engine, wake=wake, idle=idle)


def transcribe(listener: Listener, chunks: Iterable[AudioChunk]) -> Transcript | None:
    """One transcript for a whole recording: its utterances joined in order."""
    parts = list(listener.utterances(chunks))
    heard = [p for p in parts if p.text]
    if not heard:
        return (
            Transcript("", (), listener.recognizer.engine, sum(p.seconds for p in parts))
            if parts
            else None
        )
    text = " ".join(p.text for p in heard)
    return Transcript(
        text,
        _vary(heard, lambda p: p.alternatives),
        heard[0].engine,
        sum(p.seconds for p in parts),
        wake=any(p.wake for p in parts),
        deeper=_vary(heard, lambda p: p.deeper),
        confidence=(
            tuple(c for p in heard for c in p.confidence)
            if all(p.confidence for p in heard)
            else ()
        ),
    )


def _vary(
    parts: list[Transcript], options: Callable[[Transcript], tuple[str, ...]]
) -> tuple[str, ...]:
    """Whole-recording hypotheses that each swap one part for one of its alternatives."""
    out: list[str] = []
    for index, part in enumerate(parts):
        for option in options(part):
            words = [p.text for p in parts]
            words[index] = option
            out.append(" ".join(w for w in words if w))
    return tuple(out)


class SpeechRecorder:
    """A Recognizer that keeps the speech the Listener finds instead of recognising it:
    how enrolment records each sentence through the same endpointing as questions."""

    engine = "recorder"

    def __init__(self) -> None:
        self.audio = b""
        self._parts: list[bytes] = []

    def start(self) -> None:
        self._parts = []

    def accept(self, audio: bytes) -> None:
        self._parts.append(audio)

    def partial(self) -> str:
        return ""

    def finish(self) -> Transcript:
        self.audio = b"".join(self._parts)
        seconds = len(self.audio) / 2 / RECOGNISER_RATE
        return Transcript("", (), self.engine, seconds)


def record_speech(chunks: Iterable[AudioChunk], trailing_silence: float = 0.5) -> bytes:
    """The speech in a recording (every utterance, joined), as 16 kHz mono 16-bit."""
    recorder = SpeechRecorder()
    listener = Listener(recorder, trailing_silence)
    return b"".join(recorder.audio for _ in listener.utterances(chunks))
