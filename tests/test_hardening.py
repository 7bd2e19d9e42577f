"""Bad input of every kind: no exception, bounded time, nothing the user said is lost."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voiceassist import __main__ as cli
from voiceassist.assistant import Assistant, Conversation
from voiceassist.audio import AudioChunk, read_wav
from voiceassist.errors import AudioDeviceError, SpeechError
from voiceassist.text import normalize

from .audio_tools import speak
from .conftest import RunCli

ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ANY_TEXT)
def test_any_unicode_gets_a_reply_and_valid_json(assistant: Assistant, text: str) -> None:
    reply = assistant.ask(text)
    assert reply.kind in ("answer", "clarify", "unknown") and reply.text
    assert json.loads(json.dumps(reply.to_json()))["input"] == text


@settings(max_examples=200, deadline=None)
@given(text=ANY_TEXT)
def test_normalisation_never_fails_and_is_stable(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(turns=st.lists(ANY_TEXT, max_size=8))
def test_a_conversation_of_anything_never_breaks(assistant: Assistant, turns: list[str]) -> None:
    conversation = Conversation(assistant)
    for text in turns:
        assert conversation.turn(text).parts is not None


def test_control_characters_and_a_100_kb_line_through_the_cli(run_cli: RunCli) -> None:
    lines = ["\x00\x07\x1b[31mcan anxiety cause twitching\x7f", "twitch " * 15000, "\ud7ff"]
    started = time.monotonic()
    result = run_cli("ask", "--json", "-", stdin="\n".join(lines) + "\n")
    assert time.monotonic() - started < 20
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(replies) == 3 and replies[0]["entry"]["id"] == "anxiety-twitching"


def test_a_red_flag_at_the_end_of_a_100_kb_line_is_still_caught(assistant: Assistant) -> None:
    started = time.monotonic()
    reply = assistant.ask("blah " * 20000 + " and I cannot breathe")
    assert reply.triage == "emergency" and time.monotonic() - started < 2


def test_invalid_utf8_on_stdin_is_replaced_not_fatal(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "voiceassist", "ask", "-"],
        input=b"caf\xe9 anxiety twitch\n",
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0 and b"Anxiety and stress" in result.stdout


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network use is not allowed in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield attempts


def run_main(argv: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


def test_text_and_voice_use_no_network(
    no_network: list[object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("VOICEASSIST_CONFIG", str(tmp_path / "config.yaml"))
    wav = speak("can anxiety cause twitching", tmp_path / "q.wav")
    code, out, _ = run_main(["text"], "can anxiety cause twitching\nslower\ngoodbye\n", monkeypatch)
    assert code == 0 and "Anxiety and stress" in out
    code, out, _ = run_main(["--engine", "pocketsphinx", "ask", "--wav", str(wav)], "", monkeypatch)
    assert code == 0 and "Anxiety and stress" in out
    assert no_network == []


def no_speech(*args: object, **kwargs: object) -> None:
    """The speech-output seam on a machine with no speaker (PortAudio stays untouched)."""
    raise SpeechError("no speech output in this test")


class BrokenMic:
    """A microphone at the factory seam that plays a real recording, then is unplugged."""

    description = "test microphone"

    def __init__(self, wav: Path) -> None:
        self._chunks = list(read_wav(wav))

    def chunks(self) -> Iterator[AudioChunk]:
        yield from self._chunks
        raise AudioDeviceError(
            "microphone test microphone stopped sending audio (was it unplugged?)"
        )

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def close(self) -> None: ...


def test_an_unplugged_microphone_falls_back_to_text_and_keeps_the_conversation(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    wav = speak("can anxiety cause twitching", tmp_path / "q.wav", pad=(0.3, 1.0))
    monkeypatch.setattr("voiceassist.mic.make_microphone", lambda device: BrokenMic(wav))
    code, out, err = run_main(
        ["--engine", "pocketsphinx", "--output-device", "none"], "repeat\ngoodbye\n", monkeypatch
    )
    assert code == 0
    assert "stopped sending audio (was it unplugged?). Switching to typed input" in err
    answers = [line for line in out.splitlines() if line.startswith("Yes. Anxiety")]
    assert len(answers) == 2  # heard by voice, then repeated after the fall-back


def test_no_microphone_at_start_says_so_and_runs_text_mode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def missing(device: str | None) -> object:
        raise AudioDeviceError("no microphone found (no audio input devices)")

    monkeypatch.setattr("voiceassist.mic.make_microphone", missing)
    code, out, err = run_main(
        ["--engine", "pocketsphinx"], "what is cricopharyngeal spasm\n", monkeypatch
    )
    assert code == 0 and "voice input is not available (no microphone found" in err
    assert "People with cricopharyngeal spasm" in out


def test_transcripts_are_saved_only_when_asked(run_cli: RunCli, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "c"),
        "XDG_DATA_HOME": str(home / "d"),
        "XDG_CACHE_HOME": str(home / "k"),
        "VOICEASSIST_CONFIG": "",
    }
    run_cli("text", stdin="can anxiety cause twitching\n", env=env)
    assert list(home.rglob("*")) == []
    saved = tmp_path / "transcript.jsonl"
    run_cli("--save-transcript", str(saved), "text", stdin="can anxiety cause twitching\n", env=env)
    assert json.loads(saved.read_text())["said"] == "can anxiety cause twitching"


def test_a_thousand_text_turns_grow_memory_by_under_10_mb(assistant: Assistant) -> None:
    conversation = Conversation(assistant)
    questions = [
        "can anxiety cause twitching",
        "what causes an itchy scalp",
        "repeat",
        "I cannot breathe",
        "what causes spasms in my head",
        "the first one",
    ]
    for text in questions * 10:  # warm caches first
        conversation.turn(text)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for index in range(1000):
        conversation.turn(questions[index % len(questions)] + f" {index}")
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 10_000_000


def test_a_thousand_recognised_turns_grow_memory_by_under_10_mb(
    assistant: Assistant, tmp_path: Path
) -> None:
    from voiceassist.listen import Listener, transcribe
    from voiceassist.stt import PocketSphinxRecognizer

    listener = Listener(PocketSphinxRecognizer(assistant.kb, tmp_path / "lm"))
    chunks = list(read_wav(speak("goodbye", tmp_path / "bye.wav", pad=(0.1, 0.3))))
    conversation = Conversation(assistant)

    def rss() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return int(line.split()[1]) * 1024
        return 0

    for _ in range(50):
        transcript = transcribe(listener, chunks)
        assert transcript is not None
        conversation.turn(transcript.text, transcript.alternatives)
    before = rss()
    for _ in range(1000):
        transcript = transcribe(listener, chunks)
        assert transcript is not None
        conversation.turn(transcript.text, transcript.alternatives)
    assert rss() - before < 10_000_000
