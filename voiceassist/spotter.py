"""Wake-phrase spotting with PocketSphinx's keyphrase search.

The spotter hears the whole 16 kHz stream, not just the utterances the endpointer
cuts out, because keyphrase search is built for a continuous stream and its feature
normalisation settles on the room's background. It runs whatever engine answers
questions: PocketSphinx ships with the package, so no other model or service is needed.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from .audio import RECOGNISER_RATE
from .errors import ModelError
from .text import normalize

_LOGGER = logging.getLogger(__name__)

THRESHOLD = 1e-60
"""Chosen on generated speech (scripts/bench reports detection and false wakes)."""
FRAME_SECONDS = 0.01
RESTART_SECONDS = 60.0
"""A search running longer than this is restarted between words, to bound its memory."""


class Spotter(Protocol):
    """Hears one phrase in a continuous stream of 16 kHz mono 16-bit audio."""

    phrase: str

    def accept(self, audio: bytes, quiet: bool) -> float | None:
        """Feed audio; the stream time (seconds) where the phrase ended, once heard.

        ``quiet`` says no one is speaking, so the search may restart here.
        """
        ...


class KeyphraseSpotter:
    def __init__(self, phrase: str, threshold: float = THRESHOLD) -> None:
        import pocketsphinx

        from .language_model import BundledEnglish

        words = normalize(phrase).split()
        if not 1 <= len(words) <= 5:
            raise ModelError(f"wake phrase {phrase!r}: give one to five words")
        english = BundledEnglish.find()
        self.phrase = " ".join(words)
        self._decoder: Any = pocketsphinx.Decoder(
            hmm=str(english.acoustic),
            dict=str(english.dictionary),
            lm=None,  # the search is added below, once every word has a pronunciation
            kws_threshold=threshold,
            samprate=RECOGNISER_RATE,
            loglevel="FATAL",
        )
        self._add_missing_words(words)
        self._decoder.add_keyphrase("wake", self.phrase)
        self._decoder.activate_search("wake")
        self._started_at = 0.0
        self._seconds = 0.0
        self._decoder.start_utt()

    def _add_missing_words(self, words: list[str]) -> None:
        from .language_model import espeak_pronunciations

        missing = [w for w in words if self._decoder.lookup_word(w) is None]
        guessed = espeak_pronunciations(missing)
        for word in missing:
            if word not in guessed:
                raise ModelError(
                    f"wake phrase {self.phrase!r}: no pronunciation for {word!r}; "
                    "choose other words"
                )
            self._decoder.add_word(word, guessed[word], False)

    def accept(self, audio: bytes, quiet: bool) -> float | None:
        decoder = self._decoder
        decoder.process_raw(audio, False, False)
        self._seconds += len(audio) / 2 / RECOGNISER_RATE
        if decoder.hyp() is not None:
            ended = self._started_at + max((s.end_frame for s in decoder.seg()), default=0) * (
                FRAME_SECONDS
            )
            self._restart()
            _LOGGER.debug("Wake phrase heard, ending at %.2f s", ended)
            return max(ended, 0.0) or self._seconds
        if quiet and self._seconds - self._started_at > RESTART_SECONDS:
            self._restart()
        return None

    def _restart(self) -> None:
        self._decoder.end_utt()
        self._decoder.start_utt()
        self._started_at = self._seconds


def make_spotter(phrase: str) -> Spotter:
    """The one place spotters are built."""
    return KeyphraseSpotter(phrase)
