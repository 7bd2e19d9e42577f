"""Enrolling by ear: voiceassist says each sentence, the person says it back.

Nothing needs the screen: every prompt is spoken (and printed, for a screen reader or a
helper), "repeat" says the sentence again, "stop" ends without saving. The microphone
is paused while voiceassist speaks, as in the conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from . import cues
from .commands import find_command
from .enrolment import ENOUGH, MIN_RECORDINGS, Enroller, Recording, sentences
from .errors import AudioDeviceError, EnrolmentError, SpeechError
from .listen import Listener, SpeechRecorder
from .mic import Microphone
from .stt import Transcript
from .tts import Speaker

_LOGGER = logging.getLogger(__name__)

TRIES = 3
"""Attempts at one sentence before it is skipped."""
WAIT = 8.0
"""Seconds of silence after a prompt that count as nothing said."""


class EnrolmentSession:
    def __init__(
        self,
        enroller: Enroller,
        mic: Microphone,
        speaker: Speaker | None,
        out: TextIO,
        trailing_silence: float = 0.5,
    ) -> None:
        self.enroller = enroller
        self.mic = mic
        self.speaker = speaker
        self.out = out
        self.sentences = sentences()
        self._recorder = SpeechRecorder()
        # The endpointer's window is the trailing silence, and speech must fill most of
        # it to count: a longer window would not hear a short "stop" or "repeat".
        self._listener = Listener(self._recorder, trailing_silence)
        self._heard: Iterator[Transcript] | None = None

    def run(self, profile: Path) -> str:
        """Enrol: "saved", "stopped" (the person said stop), "too few" (too little was
        understood) or "failed" (said why). Unless saved, the profile, if any, is left as
        it was."""
        total = len(self.sentences)
        self.say(
            f"I will say {total} short sentences, one at a time. After each one, say it back "
            "to me in your usual voice. Say repeat to hear a sentence again, or stop to "
            f"finish without saving. After {MIN_RECORDINGS}, you can say that is enough to "
            "stop there; more sentences teach me more."
        )
        self._heard = self._listener.utterances(self.mic.chunks(), idle_after=1.0)
        recordings: list[Recording] = []
        for number, sentence in enumerate(self.sentences, start=1):
            prompt = f"Sentence {number} of {total}. {sentence}."
            outcome = self._one(sentence, number, prompt)
            while outcome == "enough" and len(recordings) < MIN_RECORDINGS:
                # Tiring for some people, so allowed early, but not before it can work.
                more = MIN_RECORDINGS - len(recordings)
                prompt = f"I need {more} more first. Sentence {number}. {sentence}."
                outcome = self._one(sentence, number, prompt)
            if outcome == "stop":
                self.say("Stopped. Nothing was saved.")
                return "stopped"
            if outcome == "enough":
                break
            if isinstance(outcome, Recording):
                recordings.append(outcome)
        if len(recordings) < MIN_RECORDINGS:
            self.say(
                f"I understood only {len(recordings)} sentences, and need at least "
                f"{MIN_RECORDINGS}. Nothing was saved. Please try again somewhere quieter."
            )
            return "too few"
        self.say("Thank you. Learning your voice now. This takes a few seconds.")
        try:
            self.enroller.enrol(recordings, profile)
        except EnrolmentError as err:
            # Said, not only printed: the person may be listening, not reading.
            self.say(f"Sorry, I could not learn your voice: {err}. Nothing was saved.")
            return "failed"
        self.say(
            f"Done. I learned your voice from {len(recordings)} sentences and will use it from "
            "now on."
        )
        return "saved"

    def _one(self, sentence: str, number: int, prompt: str) -> Recording | str | None:
        """One sentence: a Recording, "stop", "enough", or None when it was skipped."""
        for attempt in range(1, TRIES + 1):
            self.say(prompt, cue="listening")
            _LOGGER.debug("Listening for sentence %d", number)
            audio = self._next_speech()
            if audio is None:
                prompt = f"I did not hear anything. Sentence {number} again. {sentence}."
                continue
            heard = self.enroller.heard(audio)
            # Before the commands: "enough" alone is also a way to say stop there, which
            # here would throw away every sentence said.
            if heard in ENOUGH:
                return "enough"
            command = find_command(heard)
            if command in ("stop", "goodbye"):
                return "stop"
            if command == "repeat":
                prompt = f"Sentence {number}. {sentence}."
                continue
            recording = Recording(sentence, audio, f"sentence {number}")
            if self.enroller.matches(recording):
                _LOGGER.debug("Took sentence %d", number)
                return recording
            _LOGGER.debug("Sentence %d attempt %d heard as %r", number, attempt, heard)
            prompt = f"That did not sound like the sentence. Please say it again. {sentence}."
        self.say("Let us skip that one.")
        return None

    def _next_speech(self) -> bytes | None:
        """Everything said until a second of silence (a pause mid-sentence is part of the
        take), or None after WAIT seconds of silence."""
        assert self._heard is not None
        quiet = 0.0
        parts: list[bytes] = []
        for transcript in self._heard:
            if transcript.idle:
                if parts:
                    return b"".join(parts)
                quiet += 1.0
                if quiet >= WAIT:
                    return None
                continue
            if transcript.seconds > 0.2:
                parts.append(self._recorder.audio)
        raise AudioDeviceError(f"{self.mic.description}: the microphone stopped sending audio")

    def say(self, text: str, cue: str | None = None) -> None:
        """Print and speak ``text``; the microphone hears nothing meanwhile."""
        self.out.write(text + "\n")
        self.out.flush()
        if self.speaker is None:
            return
        self.mic.pause()
        try:
            self.speaker.say((text,))
            if cue:
                self.speaker.cue(getattr(cues, cue)())
        except (SpeechError, AudioDeviceError) as err:
            self.out.write(f"voiceassist: speech output failed ({err}); prompts are shown.\n")
            self.speaker.close()
            self.speaker = None
        finally:
            self.mic.resume()
