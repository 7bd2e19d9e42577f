"""Speak an evaluation set with espeak-ng and answer it through the voice path."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from voiceassist.assistant import Assistant, Reply
from voiceassist.audio import read_wav
from voiceassist.evaluate import Score, load_cases
from voiceassist.listen import Listener, transcribe
from voiceassist.stt import PocketSphinxRecognizer

from .audio_tools import speak, varied


@dataclass
class SpokenReport:
    in_scope: Score = field(default_factory=Score)
    wrong_answers: int = 0
    red_flags: Score = field(default_factory=Score)
    off_topic: Score = field(default_factory=Score)
    offered: int = 0
    """In-scope questions not answered but offered back: "Did you mean <the right one>?"."""
    offered_off_topic: int = 0
    """Off-topic questions offered back as one the knowledge base covers."""
    false_alarms: list[str] = field(default_factory=list)
    """Emergency or crisis advice given on an ordinary question."""
    misses: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"questions {self.in_scope}, wrong {self.wrong_answers}, offered back "
            f"{self.offered}; red flags {self.red_flags}; off-topic not answered "
            f"{self.off_topic}, offered back {self.offered_off_topic}; false alarms "
            f"{len(self.false_alarms)}"
        )


def spoken_eval(
    assistant: Assistant,
    listener: Listener | Mapping[str, Listener],
    cases: Path,
    workdir: Path,
    off_topic_limit: int = 20,
    learn: bool = False,
) -> SpokenReport:
    """``listener``: one for every voice, or one per espeak-ng voice (enrolled voices, or
    one conversation each). ``learn``: tell each recogniser what it heard when that was
    answered, as a conversation does, and wait for any adaptation (done while the answer
    is spoken, in a conversation)."""
    data = load_cases(cases)
    report = SpokenReport()
    index = 0

    def ask(text: str) -> tuple[str, Reply]:
        nonlocal index
        index += 1
        voice = varied(index)
        wav = speak(text, workdir / f"u{index}.wav", **voice)  # type: ignore[arg-type]
        heard_by = listener if isinstance(listener, Listener) else listener[str(voice["voice"])]
        transcript = transcribe(heard_by, read_wav(wav))
        wav.unlink()
        if transcript is None:
            return "", assistant.ask("")
        reply = assistant.ask_heard(transcript)
        recognizer = heard_by.recognizer
        if learn and reply.kind == "answer" and isinstance(recognizer, PocketSphinxRecognizer):
            recognizer.learn(transcript.text)
            assert recognizer.learner is not None
            recognizer.learner.wait()
        return transcript.text, reply

    paraphrases = data.get("paraphrases") or {}
    assert isinstance(paraphrases, dict)
    for entry_id, texts in paraphrases.items():
        for text in texts:
            heard, reply = ask(text)
            got = reply.entry.id if reply.kind == "answer" and reply.entry else reply.kind
            report.in_scope.add(got == entry_id)
            report.wrong_answers += reply.kind == "answer" and got != entry_id
            report.offered += _offered(reply) == entry_id
            if reply.triage in ("emergency", "crisis"):
                report.false_alarms.append(f"{text!r} heard {heard!r} -> {reply.triage}")
            if got != entry_id:
                report.misses.append(f"[{entry_id}] {text!r} heard {heard!r} -> {got}")
    red_flags = data.get("red_flags") or {}
    assert isinstance(red_flags, dict)
    for level, texts in red_flags.items():
        for text in texts:
            heard, reply = ask(text)
            ok = reply.triage is not None and (reply.triage == level or reply.triage == "emergency")
            report.red_flags.add(ok)
            if not ok:
                report.misses.append(f"[{level}] {text!r} heard {heard!r} -> {reply.triage}")
    off: list[object] = []
    for section in ("off_topic", "off_topic_sharing_words"):
        texts_ = data.get(section) or []
        assert isinstance(texts_, list)
        off += texts_
    for text in off[:off_topic_limit]:
        heard, reply = ask(str(text))
        report.off_topic.add(reply.kind != "answer")
        report.offered_off_topic += _offered(reply) is not None
        if reply.triage in ("emergency", "crisis"):
            report.false_alarms.append(f"{text!r} heard {heard!r} -> {reply.triage}")
        if reply.kind == "answer":
            report.misses.append(f"[off-topic] {text!r} heard {heard!r} -> answer")
    return report


def _offered(reply: Reply) -> str | None:
    """The entry a "Did you mean ...?" reply offers, if it offers just one."""
    if reply.kind == "clarify" and len(reply.alternatives) == 1:
        return reply.alternatives[0].id
    return None
