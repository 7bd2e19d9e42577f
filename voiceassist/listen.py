"""From audio chunks to transcripts: resampling, endpointing, recognition.

The microphone and WAV files feed the same ``Listener``. Where speech starts and
stops is found by PocketSphinx's voice-activity endpointer, whose window is the
trailing silence that ends an utterance.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from .audio import RECOGNISER_RATE, AudioChunk, Resampler
from .stt import Recognizer, Transcript

_LOGGER = logging.getLogger(__name__)

PartialCallback = Callable[[str], None]


class Listener:
    """Splits an audio stream into utterances and recognises each one."""

    def __init__(
        self,
        recognizer: Recognizer,
        trailing_silence: float = 0.5,
        max_utterance: float = 15.0,
    ) -> None:
        from pocketsphinx import Endpointer

        self.recognizer = recognizer
        self._endpointer = Endpointer(window=trailing_silence, sample_rate=RECOGNISER_RATE)
        self._max_bytes = int(max_utterance * RECOGNISER_RATE) * 2

    def utterances(
        self, chunks: Iterable[AudioChunk], on_partial: PartialCallback | None = None
    ) -> Iterator[Transcript]:
        """Yield a transcript each time an utterance ends, and at the end of the stream."""
        ep = self._endpointer
        resampler = Resampler()
        pending = b""
        spoken = 0
        in_utterance = False
        for chunk in chunks:
            pending += resampler.convert(chunk)
            while len(pending) >= ep.frame_bytes:
                frame, pending = pending[: ep.frame_bytes], pending[ep.frame_bytes :]
                speech = ep.process(frame)
                if speech is None:
                    continue
                if not in_utterance:
                    self.recognizer.start()
                    in_utterance, spoken = True, 0
                self.recognizer.accept(speech)
                spoken += len(speech)
                if on_partial is not None:
                    on_partial(self.recognizer.partial())
                if not ep.in_speech or spoken >= self._max_bytes:
                    in_utterance = False
                    yield self.recognizer.finish()
        pending += resampler.flush()
        if ep.in_speech:
            # A stream that ends mid-speech (a file with no trailing silence) still counts.
            tail = ep.end_stream(pending[: ep.frame_bytes])
            if tail:
                if not in_utterance:
                    self.recognizer.start()
                    in_utterance = True
                self.recognizer.accept(tail)
        if in_utterance:
            yield self.recognizer.finish()


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
        _vary(heard, lambda p: p.flag_hypotheses),
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
