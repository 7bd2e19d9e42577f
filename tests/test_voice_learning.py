"""Learning the voice during a conversation: real PocketSphinx and SphinxTrain on
espeak-ng speech, through the same path as the microphone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from voiceassist.assistant import Assistant
from voiceassist.audio import read_wav
from voiceassist.listen import Listener, transcribe
from voiceassist.stt import PocketSphinxRecognizer

from .audio_tools import VOICES, PulseServer, pulse_server, speak
from .conftest import DATA
from .pulse_tools import start_with_lines
from .spoken_eval import spoken_eval

QUESTIONS = (
    "what causes muscle spasms in the scalp",
    "what is cricopharyngeal spasm",
    "can anxiety cause twitching",
    "what is hemifacial spasm",
    "when should i see a neurologist about spasms",
)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("learning-cache")


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[PulseServer]:
    with pulse_server(tmp_path / "pulse") as server:
        yield server


def learning_listener(assistant: Assistant, cache_dir: Path) -> Listener:
    return Listener(PocketSphinxRecognizer(assistant.kb, cache_dir, learn_voice=True))


def test_each_conversation_adapts_to_its_voice_and_catches_red_flags(
    assistant: Assistant, cache_dir: Path, tmp_path: Path
) -> None:
    # eval.yaml as in test_voice_input, each espeak-ng voice one conversation that learns
    # from the questions it answered (each adapts after its fifth answer, about a third
    # of the way in). Figures at the time of writing, against the same conversations not
    # learning: red flags 48/50 (47), questions answered right 48/67 (52) and 12 more
    # offered back (9), so 60 reached (61), none wrong; off-topic questions offered back
    # 7 of 45 (7); emergency advice on 13 of 112 ordinary questions (14). Before word
    # confidence counted: 50 and 11 offered, 61 reached (52 and 8, 60).
    listeners = {voice: learning_listener(assistant, cache_dir) for voice in VOICES}
    report = spoken_eval(
        assistant, listeners, DATA / "eval.yaml", tmp_path, off_topic_limit=45, learn=True
    )
    print(f"\nlearning: {report}")
    for listener in listeners.values():
        assert "adapted to your voice from" in listener.recognizer.engine
    assert report.red_flags.right >= 47, report.misses
    assert report.in_scope.right + report.offered >= 59, report.misses
    assert report.wrong_answers <= 1, report.misses
    assert report.offered_off_topic <= 10, report.misses
    assert report.off_topic.right >= 37, report.misses
    assert len(report.false_alarms) <= 18, report.false_alarms


def test_without_sphinxtrain_the_conversation_goes_on_unadapted(
    assistant: Assistant, cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICEASSIST_SPHINXTRAIN", str(tmp_path / "no-tools"))
    listener = learning_listener(assistant, cache_dir)
    recognizer = listener.recognizer
    assert isinstance(recognizer, PocketSphinxRecognizer)
    # The start-up line does not promise what cannot happen.
    assert "learns your voice" not in recognizer.engine
    for number, question in enumerate(QUESTIONS):
        transcript = transcribe(listener, read_wav(speak(question, tmp_path / f"{number}.wav")))
        assert transcript is not None and transcript.text
        recognizer.learn(transcript.text)
    again = transcribe(listener, read_wav(tmp_path / "0.wav"))
    assert again is not None and again.text == QUESTIONS[0]


def test_a_voice_conversation_learns_the_voice_and_leaves_nothing_behind(
    pulse: PulseServer, tmp_path: Path, cache_dir: Path
) -> None:
    questions = [
        speak(text, tmp_path / f"q{number}.wav", pad=(0.2, 0.6))
        for number, text in enumerate(QUESTIONS)
    ]
    goodbye = speak("no more questions", tmp_path / "bye.wav")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    # No speaker (answers printed, as on a machine with no sound): spoken answers would
    # make this test minutes long, and learning does not depend on them.
    process, out, err = start_with_lines(
        pulse, cache_dir, "--debug", "--output-device", "none", env={"TMPDIR": str(scratch)}
    )
    try:
        line = err.wait_for("Speech recogniser:")
        assert "learns your voice as you talk" in line
        for question in questions:
            err.wait_for("Listening again", timeout=120)
            pulse.play(question)
            err.wait_for("Heard:")
        # Adapting runs while the fifth answer is spoken; either may end first.
        waiting = {"Adapted to this voice", "Listening again"}
        while waiting:
            line = err.wait_for(tuple(waiting), timeout=120)
            waiting -= {text for text in waiting if text in line}
            assert "Adapted" not in line or "from 5 answered questions" in line, line
        # The first question again, heard with the adapted model: answered.
        out.drain()
        pulse.play(questions[0])
        out.wait_for("Tension headaches happen when", timeout=120)
        err.wait_for("Listening again", timeout=120)
        pulse.play(goodbye)
        out.wait_for("Goodbye", timeout=120)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    # What it learned from (features, transforms) went with the conversation.
    assert not list(scratch.glob("voiceassist-voice-*")), list(scratch.iterdir())


def test_no_voice_profile_turns_learning_off(
    pulse: PulseServer, tmp_path: Path, cache_dir: Path
) -> None:
    process, _, err = start_with_lines(pulse, cache_dir, "--no-voice-profile")
    try:
        line = err.wait_for("Speech recogniser:")
    finally:
        process.kill()
    assert "(knowledge-base language model)" in line, line
