"""``voiceassist eval``: accuracy, abstention and triage recall on a labelled set.

The file format (see tests/data/eval.yaml)::

    paraphrases: {entry-id: [utterance, ...]}   # must be answered with that entry
    misheard:    {entry-id: [utterance, ...]}   # the same, as a recogniser mishears it
    off_topic: [utterance, ...]                 # must be "unknown"
    off_topic_sharing_words: [utterance, ...]   # must be "unknown"
    red_flags: {emergency|crisis|urgent: [utterance, ...]}
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process, utils

from .assistant import Assistant, Reply
from .content import TRIAGE_LEVELS
from .errors import VoiceAssistError


@dataclass(frozen=True)
class Targets:
    paraphrase_accuracy: float = 0.97
    off_topic_abstention: float = 0.95
    triage_recall: float = 1.0
    false_emergencies: int = 0


@dataclass
class Score:
    right: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 1.0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.right += ok

    def __str__(self) -> str:
        return f"{self.rate:6.1%} ({self.right}/{self.total})"


@dataclass
class Report:
    per_entry: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    paraphrase: Score = field(default_factory=Score)
    misheard: Score = field(default_factory=Score)
    wrong_answers: int = 0
    clarified: int = 0
    off_topic: Score = field(default_factory=Score)
    off_topic_shared: Score = field(default_factory=Score)
    triage: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    false_emergencies: list[str] = field(default_factory=list)
    false_urgent: list[str] = field(default_factory=list)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    baseline: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))

    @property
    def in_scope(self) -> Score:
        return Score(
            self.paraphrase.right + self.misheard.right, self.paraphrase.total + self.misheard.total
        )

    @property
    def abstention(self) -> Score:
        return Score(
            self.off_topic.right + self.off_topic_shared.right,
            self.off_topic.total + self.off_topic_shared.total,
        )

    @property
    def triage_recall(self) -> Score:
        return Score(
            sum(s.right for s in self.triage.values()), sum(s.total for s in self.triage.values())
        )

    def meets(self, targets: Targets) -> bool:
        return (
            self.in_scope.rate >= targets.paraphrase_accuracy
            and self.abstention.rate >= targets.off_topic_abstention
            and self.triage_recall.rate >= targets.triage_recall
            and len(self.false_emergencies) <= targets.false_emergencies
        )

    def lines(self, targets: Targets) -> list[str]:
        out = ["Per-entry accuracy (paraphrases and misheard):"]
        out += [f"  {entry_id:28} {score}" for entry_id, score in sorted(self.per_entry.items())]
        out += [
            f"Paraphrases answered right    {self.paraphrase}",
            f"Misheard answered right       {self.misheard}",
            f"In scope, all                 {self.in_scope}   target "
            f"{targets.paraphrase_accuracy:.0%}",
            f"  answered wrongly            {self.wrong_answers}",
            f"  asked which was meant       {self.clarified}",
            f"Off-topic abstained           {self.off_topic}",
            f"Off-topic sharing words       {self.off_topic_shared}",
            f"Abstention, all               {self.abstention}   target "
            f"{targets.off_topic_abstention:.0%}",
        ]
        out += [
            f"Triage recall, {level:10}     {self.triage[level]}"
            for level in TRIAGE_LEVELS
            if level in self.triage
        ]
        out.append(
            f"Triage recall, all            {self.triage_recall}   target "
            f"{targets.triage_recall:.0%}"
        )
        out.append(
            f"Emergencies on ordinary questions: {len(self.false_emergencies)}   target "
            f"{targets.false_emergencies}"
        )
        out += [f"  {text}" for text in self.false_emergencies]
        out.append(f"Urgent advice on ordinary questions: {len(self.false_urgent)}")
        if self.baseline:
            out.append("Baseline (one extractOne, token_set_ratio, cutoff 60, seed questions):")
            out += [f"  {name:28} {score}" for name, score in self.baseline.items()]
        if self.confusions:
            out.append("Confusions (expected -> got):")
            out += [f"  {exp} -> {got}: {n}" for (exp, got), n in self.confusions.most_common()]
        if self.failures:
            out.append("Failures:")
            out += [f"  {line}" for line in self.failures]
        out.append("PASS" if self.meets(targets) else "FAIL: below target")
        return out


def load_cases(path: Path) -> dict[str, object]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise VoiceAssistError(f"{path}: cannot read evaluation set: {err}") from err
    if not isinstance(data, dict):
        raise VoiceAssistError(f"{path}: an evaluation set must be a mapping")
    unknown = set(data) - {
        "paraphrases",
        "misheard",
        "off_topic",
        "off_topic_sharing_words",
        "red_flags",
    }
    if unknown:
        raise VoiceAssistError(f"{path}: unknown section(s): {', '.join(sorted(unknown))}")
    return data


def evaluate(
    assistant: Assistant,
    data: dict[str, object],
    ask: Callable[[str], Reply] | None = None,
) -> Report:
    """Run every case through ``ask`` (default: the stateless text path)."""
    ask = ask or assistant.ask
    report = Report()
    baseline = _Baseline(assistant)
    for section, score in (("paraphrases", report.paraphrase), ("misheard", report.misheard)):
        for entry_id, texts in _mapping(data, section).items():
            assistant.kb.entry(entry_id)  # an unknown id is a mistake in the set
            for text in texts:
                reply = ask(text)
                got = reply.entry.id if reply.kind == "answer" and reply.entry else reply.kind
                ok = got == entry_id
                score.add(ok)
                report.per_entry[entry_id].add(ok)
                baseline.score(text, entry_id, report.baseline["in scope"])
                if not ok:
                    report.confusions[(entry_id, got)] += 1
                    report.failures.append(f"[{entry_id}] {text!r} -> {got}")
                    report.wrong_answers += reply.kind == "answer"
                    report.clarified += reply.kind == "clarify"
                _note_false_alarm(report, reply)
    for section, score in (
        ("off_topic", report.off_topic),
        ("off_topic_sharing_words", report.off_topic_shared),
    ):
        for text in _list(data, section):
            reply = ask(text)
            score.add(reply.kind == "unknown")
            baseline.score(text, None, report.baseline["off-topic abstained"])
            if reply.kind != "unknown":
                got = reply.entry.id if reply.entry else reply.kind
                report.failures.append(f"[off-topic] {text!r} -> {got}")
            _note_false_alarm(report, reply)
    for level, texts in _mapping(data, "red_flags").items():
        for text in texts:
            reply = ask(text)
            ok = reply.triage == level or (level == "urgent" and reply.triage == "emergency")
            report.triage[level].add(ok)
            report.baseline["red flags caught"].add(False)  # extractOne has no triage
            if not ok:
                report.failures.append(f"[{level}] {text!r} -> triage {reply.triage}")
    return report


def _note_false_alarm(report: Report, reply: Reply) -> None:
    if reply.triage in ("emergency", "crisis"):
        report.false_emergencies.append(f"{reply.input!r} -> {reply.triage}")
    elif reply.triage == "urgent":
        report.false_urgent.append(reply.input)


def _mapping(data: dict[str, object], key: str) -> dict[str, list[str]]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise VoiceAssistError(f"evaluation set: '{key}' must be a mapping")
    return {str(k): [str(t) for t in (v or [])] for k, v in value.items()}


def _list(data: dict[str, object], key: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise VoiceAssistError(f"evaluation set: '{key}' must be a list")
    return [str(t) for t in value]


class _Baseline:
    """The issue's baseline: one extractOne, token_set_ratio, cutoff 60, raw questions."""

    def __init__(self, assistant: Assistant) -> None:
        self._questions = [e.question for e in assistant.kb.entries]
        self._ids = [e.id for e in assistant.kb.entries]

    def score(self, text: str, expected: str | None, score: Score) -> None:
        found = process.extractOne(
            text,
            self._questions,
            scorer=fuzz.token_set_ratio,
            processor=utils.default_process,
            score_cutoff=60,
        )
        got = self._ids[found[2]] if found else None
        score.add(got == expected)
