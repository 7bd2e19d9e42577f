"""The voice conversation: listen, answer aloud, listen again.

Half duplex: the microphone is paused while voiceassist speaks, so it never
answers itself, unless barge-in is on (then speech heard stops the speaking; use
headphones or an echo-cancelling microphone). Every reply is also printed as a plain
line, so a screen reader or a deaf helper can follow, and nothing is lost if speech
output fails.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Iterator
from typing import TextIO

from . import cues
from .assistant import SPEECH_COMMANDS, Conversation, Reply
from .audio import AudioChunk
from .config import Preferences
from .errors import AudioDeviceError, SpeechError
from .listen import Listener
from .mic import Microphone
from .stt import LearnsVoice, Transcript
from .tts import Speaker

_LOGGER = logging.getLogger(__name__)


class PartialLine:
    """Shows words as they are heard: one updating line on a terminal, nothing otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._last = ""

    def update(self, text: str) -> None:
        if self._tty and text != self._last:
            self._stream.write("\r\033[K" + text[-200:])
            self._stream.flush()
            self._last = text

    def clear(self) -> None:
        if self._tty and self._last:
            self._stream.write("\r\033[K")
            self._stream.flush()
        self._last = ""


@contextlib.contextmanager
def cbreak(stream: TextIO) -> Iterator[int]:
    """The terminal ``stream`` hands over each key at once (no Enter), until the end."""
    import termios
    import tty

    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)
    try:
        yield fd
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextlib.contextmanager
def stop_on_key(speaker: Speaker, stream: TextIO = sys.stdin) -> Iterator[None]:
    """While speaking, any key pressed in the terminal stops the speech at once."""
    if not stream.isatty():
        yield
        return
    import select

    done = threading.Event()

    def watch(fd: int) -> None:
        while not done.is_set():
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                stream.read(1)
                speaker.stop()
                return

    with cbreak(stream) as fd:
        watcher = threading.Thread(target=watch, args=(fd,), daemon=True)
        watcher.start()
        try:
            yield
        finally:
            done.set()
            watcher.join(timeout=0.2)


WAKE_WINDOW = 8.0
"""Seconds to start the question after the wake phrase (or a key press) said alone."""
MIN_NOT_UNDERSTOOD = 0.5
"""Speech this long with no words at all gets the error cue (shorter is a cough or click)."""


class VoiceSession:
    """Runs a conversation by voice until goodbye, end of audio, or a device failure.

    ``awake`` says whether what is heard is answered. In ``always`` mode it is, until
    the quiet timeout; in ``wake`` mode, only the question that comes with or after the
    wake phrase; in ``key`` mode, only the utterance after a key press. A red flag is
    acted on whether awake or not.
    """

    def __init__(
        self,
        conversation: Conversation,
        mic: Microphone,
        listener: Listener,
        speaker: Speaker | None,
        out: TextIO,
        err: TextIO,
        mode: str = "always",
        keys: TextIO | None = None,
    ) -> None:
        self.conversation = conversation
        self.mic = mic
        self.listener = listener
        self.speaker = speaker
        self.out = out
        self.err = err
        self.keys = keys if keys is not None else sys.stdin
        self.mode = mode
        self.awake = self.mode == "always"
        self._one_question = False
        """Awake for one question only (wake and key modes, and after a timeout)."""
        self._quiet = 0.0
        self._awaiting_key = self.mode == "key"
        self._partial = PartialLine(err)
        self._speaking: threading.Thread | None = None
        self._speech_failed: BaseException | None = None

    @property
    def _prefs(self) -> Preferences:
        return self.conversation.preferences

    # -- speaking ----------------------------------------------------------------------

    def say(self, reply: Reply, cue: str | None = None) -> None:
        """Print the reply, then speak it and play ``cue`` ("" for none; by default the
        one the state calls for)."""
        self.out.write(reply.text + "\n")
        self.out.flush()
        self.wait_for_speech()
        if self.speaker is None:
            _LOGGER.debug("Listening again")
            return
        if reply.command in SPEECH_COMMANDS:
            self.speaker.configure(self._prefs.speech())
        cue = self._next_cue() if cue is None else (cue or None)
        if self._prefs.barge_in:
            # The microphone stays open: speech heard now stops this (see _on_speech).
            self._speaking = threading.Thread(
                target=self._speak, args=(self.speaker, reply.parts, cue), daemon=True
            )
            self._speaking.start()
            return
        with self._mic_paused():
            self._speak(self.speaker, reply.parts, cue)
        _LOGGER.debug("Listening again")

    @contextlib.contextmanager
    def _mic_paused(self) -> Iterator[None]:
        """Half duplex: nothing is heard while voiceassist makes a sound."""
        self.wait_for_speech()
        self.mic.pause()
        try:
            yield
        finally:
            self.mic.resume()
            self._check_speech()

    def _speak(self, speaker: Speaker, parts: tuple[str, ...], cue: str | None) -> None:
        try:
            with stop_on_key(speaker):
                finished = speaker.say(parts)
            if finished and cue and self._prefs.cue_on(cue):
                speaker.cue(getattr(cues, cue)())
        except (SpeechError, AudioDeviceError) as error:
            self._speech_failed = error

    def _check_speech(self) -> None:
        error, self._speech_failed = self._speech_failed, None
        if error is not None and self.speaker is not None:
            self.err.write(
                f"voiceassist: speech output failed ({error}); "
                "answers are shown as text from now on.\n"
            )
            self.speaker.close()
            self.speaker = None

    def wait_for_speech(self) -> None:
        """Let the reply being spoken (with barge-in) finish before anything else is said."""
        if self._speaking is not None:
            self._speaking.join()
            self._speaking = None
        self._check_speech()

    def _on_speech(self) -> None:
        speaking = self._speaking
        if speaking is not None and speaking.is_alive() and self.speaker is not None:
            _LOGGER.debug("Barge-in: the user spoke, so speech stops")
            self.speaker.stop()

    def cue(self, name: str) -> None:
        if self.speaker is None or not self._prefs.cue_on(name):
            return
        with self._mic_paused():
            try:
                self.speaker.cue(getattr(cues, name)())
            except (SpeechError, AudioDeviceError) as error:
                self._speech_failed = error

    def notice(self, text: str, cue: str | None = None) -> None:
        """Something the user must hear that is not a reply (a failure, a mode change)."""
        self.err.write(text + "\n")
        self.err.flush()
        if cue:
            self.cue(cue)
        if self.speaker is not None:
            with self._mic_paused():
                self._speak(self.speaker, (text,), None)

    def _next_cue(self) -> str:
        if self.conversation.finished or self._awaiting_key or not self.awake:
            return "stopped"
        return "listening"

    # -- listening ---------------------------------------------------------------------

    def run(self) -> None:
        """Raises AudioDeviceError if the microphone fails; the caller falls back to text."""
        try:
            for transcript in self.listener.utterances(
                self._chunks(), self._partial.update, self._on_speech, idle_after=1.0
            ):
                self._partial.clear()
                if transcript.idle:
                    self._quiet += 1.0
                    self._check_quiet()
                    continue
                self._quiet = 0.0
                self._heard(transcript)
                if self.conversation.finished:
                    return
        finally:
            self.wait_for_speech()

    def _heard(self, transcript: Transcript) -> None:
        words = transcript.text or transcript.alternatives
        if transcript.wake and not self.awake:
            # In "always" mode the wake phrase undoes a quiet timeout for good.
            self.awake, self._one_question = True, self.mode != "always"
            _LOGGER.debug("Wake phrase heard")
            if not transcript.text:
                self.cue("listening")
                return
        if not words:
            if self.awake and transcript.seconds >= MIN_NOT_UNDERSTOOD:
                self.cue("error")  # heard someone, understood nothing
            return
        if not self.awake and not self._is_red_flag(transcript):
            # Not printed: a screen reader would read out the whole room.
            _LOGGER.debug("Not answered: no wake phrase (%s)", transcript.text)
            return
        self.err.write(f"Heard: {transcript.text}\n")
        reply = self.conversation.turn_heard(transcript)
        # "Did you mean ...?" is answered without the wake phrase or a key press.
        if self._one_question and self.awake and reply.kind != "clarify":
            self._sleep()
        if reply.kind == "unknown" and reply.triage is None:
            self.cue("error")  # not understood; the words that follow say what it can do
        if reply.kind == "answer" and isinstance(self.listener.recognizer, LearnsVoice):
            # Answered without doubt: these words are what was said, nearly always.
            self.listener.recognizer.learn(transcript.text)
        self.say(reply)

    def _is_red_flag(self, transcript: Transcript) -> bool:
        # Heard while not listening for questions: a red flag is still acted on (a person
        # in trouble may not think of the wake phrase); everything else waits.
        triage = self.conversation.assistant.triage
        texts = [transcript.text, *transcript.alternatives]
        return triage.check_all(texts, transcript.deeper) is not None

    def _sleep(self) -> None:
        """The one question is over: wait for the wake phrase, or a key in key mode."""
        self.awake, self._one_question = False, False
        self._awaiting_key = self.mode == "key"

    def _check_quiet(self) -> None:
        if not self.awake:
            return
        if self._one_question and self._quiet >= WAKE_WINDOW:
            self._sleep()
            how = "Press a key" if self.mode == "key" else f"Say {self._prefs.wake_phrase}"
            self.notice(f"I did not hear a question. {how} when you need me.", "stopped")
        elif (
            not self._one_question
            and self._prefs.quiet_timeout
            and self._quiet >= self._prefs.quiet_timeout
        ):
            self.awake = False
            minutes = max(1, round(self._prefs.quiet_timeout / 60))
            self.notice(
                f"I have not heard anything for {minutes} minute{'s' if minutes > 1 else ''}, "
                f"so I have stopped listening. Say {self._prefs.wake_phrase} to start again.",
                "stopped",
            )

    def _chunks(self) -> Iterator[AudioChunk]:
        for chunk in self.mic.chunks():
            if self._awaiting_key:
                if not self._wait_for_key():
                    return
                self._awaiting_key = False
                self.awake, self._one_question, self._quiet = True, True, 0.0
                self.cue("listening")
                # Only now: the microphone is deaf while the cue plays, and a person who
                # reads (or hears a screen reader say) this starts talking at once.
                self.err.write("Listening.\n")
                self.err.flush()
                continue
            yield chunk

    def _wait_for_key(self) -> bool:
        """Block until a key (Enter when not a terminal); False at end of input."""
        with self._mic_paused():
            self.err.write("Press a key, then ask your question.\n")
            self.err.flush()
            if self.keys.isatty():
                with cbreak(self.keys):
                    return bool(self.keys.read(1))
            return bool(self.keys.readline())
