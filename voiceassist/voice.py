"""The voice conversation: listen, answer aloud, listen again.

Half duplex: the microphone is paused while voiceassist speaks, so it never
answers itself. Every reply is also printed as a plain line, so a screen reader
or a deaf helper can follow, and nothing is lost if speech output fails.
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
from .errors import AudioDeviceError, SpeechError
from .listen import Listener
from .mic import Microphone
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
def stop_on_key(speaker: Speaker, stream: TextIO = sys.stdin) -> Iterator[None]:
    """While speaking, any key pressed in the terminal stops the speech at once."""
    if not stream.isatty():
        yield
        return
    import select
    import termios
    import tty

    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                stream.read(1)
                speaker.stop()
                return

    tty.setcbreak(fd)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join(timeout=0.2)
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class VoiceSession:
    """Runs a conversation by voice until goodbye, end of audio, or a device failure."""

    def __init__(
        self,
        conversation: Conversation,
        mic: Microphone,
        listener: Listener,
        speaker: Speaker | None,
        out: TextIO,
        err: TextIO,
    ) -> None:
        self.conversation = conversation
        self.mic = mic
        self.listener = listener
        self.speaker = speaker
        self.out = out
        self.err = err
        self._partial = PartialLine(err)

    def say(self, reply: Reply) -> None:
        self.out.write(reply.text + "\n")
        self.out.flush()
        if self.speaker is None:
            _LOGGER.debug("Listening again")
            return
        self.mic.pause()
        try:
            if reply.command in SPEECH_COMMANDS:
                self.speaker.configure(self.conversation.preferences.speech())
            with stop_on_key(self.speaker):
                self.speaker.say(reply.parts)
            if self.conversation.preferences.cues:
                finished = self.conversation.finished
                self.speaker.cue(cues.stopped() if finished else cues.listening())
        except (SpeechError, AudioDeviceError) as error:
            self.err.write(
                f"voiceassist: speech output failed ({error}); "
                "answers are shown as text from now on.\n"
            )
            self.speaker.close()
            self.speaker = None
        finally:
            self.mic.resume()
            _LOGGER.debug("Listening again")

    def run(self) -> None:
        """Raises AudioDeviceError if the microphone fails; the caller falls back to text."""
        for transcript in self.listener.utterances(self.mic.chunks(), self._partial.update):
            self._partial.clear()
            if not (transcript.text or transcript.alternatives or transcript.flag_hypotheses):
                continue
            self.err.write(f"Heard: {transcript.text}\n")
            reply = self.conversation.turn(
                transcript.text, transcript.alternatives, transcript.flag_hypotheses
            )
            self.say(reply)
            if self.conversation.finished:
                return
