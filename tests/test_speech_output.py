"""Speech output: pyttsx3 on espeak-ng in a worker, played through PortAudio."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from voiceassist.assistant import Assistant, Conversation
from voiceassist.audio import read_wav
from voiceassist.errors import SpeechError
from voiceassist.listen import Listener, transcribe
from voiceassist.settings import SpeechSettings
from voiceassist.stt import PocketSphinxRecognizer
from voiceassist.tts import Audio, Player, SpeechSpeaker, Synthesizer, sentences
from voiceassist.voice import VoiceSession

from .audio_tools import PulseServer, pulse_server
from .conftest import RunCli

KLATT = SpeechSettings(voice="en-us+klatt", rate=160)


@pytest.fixture(scope="module")
def listener(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Listener:
    return Listener(PocketSphinxRecognizer(assistant.kb, tmp_path_factory.mktemp("lm")))


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[PulseServer]:
    with pulse_server(tmp_path / "pulse") as server:
        yield server


def heard(listener: Listener, wav: Path) -> str:
    transcript = transcribe(listener, read_wav(wav))
    return transcript.text if transcript else ""


def test_spoken_answer_round_trips_through_the_recogniser(
    run_cli: RunCli, listener: Listener, tmp_path: Path
) -> None:
    out = tmp_path / "answer.wav"
    result = run_cli(
        "--voice", "en-us+klatt", "ask", "--speak-to", str(out), "what is cricopharyngeal spasm"
    )
    assert result.returncode == 0, result.stderr
    words = set(heard(listener, out).split())
    assert {"cricopharyngeal", "spasm", "throat", "eating"} <= words


def test_first_answer_of_a_new_process_is_complete_and_in_its_file(
    run_cli: RunCli, listener: Listener, tmp_path: Path
) -> None:
    # pyttsx3 2.99 was seen to return from the first save_to_file before writing, and to
    # write that audio later under the next call's name.
    first, second = tmp_path / "first.wav", tmp_path / "second.wav"
    run_cli(
        "--voice", "en-us+klatt", "ask", "--speak-to", str(first), "can anxiety cause twitching"
    )
    run_cli(
        "--voice", "en-us+klatt", "ask", "--speak-to", str(second), "what is cricopharyngeal spasm"
    )
    reply = run_cli("ask", "can anxiety cause twitching").stdout
    words = heard(listener, first).split()
    # It starts "Yes. Anxiety and stress"; "Yes" may be heard as two words ("he has").
    assert {"anxiety", "and", "stress"} <= set(words[:6]), words
    assert len(words) >= 0.7 * len(reply.split())  # all of it, not just the start
    later = heard(listener, second)
    assert "cricopharyngeal" in later and "anxiety" not in later


def test_speak_to_keeps_stdout_for_the_text_only(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("ask", "--json", "--speak-to", str(tmp_path / "a.wav"), "hello")
    assert len(result.stdout.splitlines()) == 1 and "Audio saved" not in result.stdout


def test_a_hanging_synthesiser_is_restarted_and_the_next_sentence_works() -> None:
    synth = Synthesizer(SpeechSettings(timeout=1.0), hang_on="HANG")
    try:
        synth.synthesize("warm up")
        started = time.monotonic()
        with pytest.raises(SpeechError, match="restarted"):
            synth.synthesize("HANG here")
        assert time.monotonic() - started < 2.0
        assert synth.restarts == 1
        assert synth.synthesize("and now it speaks again").seconds > 0.5
    finally:
        synth.close()


def test_when_speech_hangs_the_user_still_gets_the_text(
    assistant: Assistant, pulse: PulseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in pulse.env.items():
        monkeypatch.setenv(name, value)
    speaker = SpeechSpeaker(SpeechSettings(timeout=1.0), "pulse", hang_on="Anxiety")
    out, err = io.StringIO(), io.StringIO()

    class Mic:
        description = "none"

        def pause(self) -> None: ...

        def resume(self) -> None: ...

    session = VoiceSession(Conversation(assistant), Mic(), None, speaker, out, err)  # type: ignore[arg-type]
    reply = assistant.ask("can anxiety cause twitching")
    started = time.monotonic()
    session.say(reply)
    assert time.monotonic() - started < 4
    assert out.getvalue() == reply.text + "\n"
    assert "speech output failed" in err.getvalue() and session.speaker is None


def test_stop_silences_playback_within_100_ms(
    pulse: PulseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in pulse.env.items():
        monkeypatch.setenv(name, value)
    player = Player("pulse")
    ten_seconds = Audio(b"\x10\x00" * 16000 * 10, 16000)
    finished: list[float] = []

    def play() -> None:
        player.play(ten_seconds)
        finished.append(time.monotonic())

    thread = threading.Thread(target=play)
    thread.start()
    time.sleep(1.0)
    assert not finished  # it is really playing, in real time
    requested = time.monotonic()
    player.stop()
    thread.join(timeout=2)
    assert finished and finished[0] - requested < 0.1


def test_answers_are_split_into_sentences_so_the_first_plays_early() -> None:
    assert sentences(["One. Two is here! Three?", "Four."]) == [
        "One.",
        "Two is here!",
        "Three?",
        "Four.",
    ]
