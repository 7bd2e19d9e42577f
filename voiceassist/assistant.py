"""The assistant core: triage first, then commands, then matching; no audio here.

``Assistant.ask`` answers one utterance with no memory (the ``ask`` command).
``Conversation`` keeps what a person needs across turns: the disclaimer said once,
the last reply for "repeat", the parts of a long answer, a pending "did you mean".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .commands import find_command, find_confirmation
from .config import Preferences
from .content import Entry, KnowledgeBase
from .matcher import Matcher, MatchResult, ScoredEntry
from .settings import Settings
from .text import Analyzer, normalize
from .triage import Triage, TriageResult

if TYPE_CHECKING:
    from .stt import Transcript

_LOGGER = logging.getLogger(__name__)

DISCLAIMER = "This is general information, not a diagnosis. In an emergency, call {emergency}."
NOT_HEARD = "I did not catch a question. Please ask again."
ASK_AGAIN = "Sorry. Please ask again in other words."
WHICH_ONE = "Please say the first one or the second one."


@dataclass(frozen=True)
class EntryRef:
    id: str
    question: str
    score: float

    @staticmethod
    def of(scored: ScoredEntry) -> EntryRef:
        return EntryRef(scored.entry.id, scored.entry.question, round(scored.score, 3))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "score": self.score}


@dataclass(frozen=True)
class Reply:
    """What the assistant says in answer to one utterance."""

    input: str
    kind: str
    """"answer", "clarify", "unknown" or "command"."""
    triage: str | None
    """None, or the most urgent red-flag level heard."""
    entry: EntryRef | None
    alternatives: tuple[EntryRef, ...]
    parts: tuple[str, ...]
    """What is said, in the order said; triage advice always first."""
    command: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Extra keys for JSON output (transcript, engine) added by the voice path."""

    @property
    def text(self) -> str:
        return " ".join(p for p in self.parts if p)

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "kind": self.kind,
            "triage": self.triage,
            "entry": self.entry.to_json() if self.entry else None,
            "alternatives": [a.to_json() for a in self.alternatives],
            "text": self.text,
            **self.extra,
        }


class Assistant:
    """Stateless question answering over one knowledge base."""

    def __init__(self, kb: KnowledgeBase, settings: Settings) -> None:
        self.kb = kb
        self.settings = settings
        self.analyzer = Analyzer(kb.synonyms)
        self.triage = Triage(kb, self.analyzer)
        self.matcher = Matcher(kb, self.analyzer, settings.match)

    def fill(self, text: str) -> str:
        """Put the region's numbers into advice text."""
        values = self.settings.region.placeholders()
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        return text

    def triage_parts(self, result: TriageResult | None) -> list[str]:
        if result is None:
            return []
        # The most urgent advice first; one line per distinct rule, at most three.
        return [self.fill(rule.advice) for rule in result.rules[:3]]

    def answer_parts(self, entry: Entry, read_back: bool) -> list[str]:
        parts = [f"You asked about {entry.topic}."] if read_back else []
        parts += [self.fill(entry.answer), self.fill(entry.escalation)]
        return parts

    def clarify_text(self, options: Sequence[ScoredEntry]) -> str:
        if len(options) == 1:
            return (
                f"I may not have heard that right. Did you mean {options[0].entry.topic}? "
                "Say yes, or ask again."
            )
        choices = ", or ".join(f"{n}, {o.entry.topic}" for n, o in enumerate(options, 1))
        return f"Did you mean {choices}?"

    def unknown_text(self) -> str:
        return (
            "I don't have an answer for that. I can answer questions about "
            + self.topics_sentence()
            + "."
        )

    def source_sentence(self, entry: Entry) -> str:
        orgs = sorted({s.organisation for s in entry.sources})
        listed = ", ".join(orgs[:-1]) + " and " + orgs[-1] if len(orgs) > 1 else orgs[0]
        return f"That answer is based on {listed}. It was reviewed on {entry.reviewed:%d %B %Y}."

    def topics_sentence(self) -> str:
        topics = [e.topic for e in self.kb.entries]
        return ", ".join(topics[:-1]) + ", and " + topics[-1] if len(topics) > 1 else topics[0]

    def ask(
        self,
        text: str,
        alternatives: Sequence[str] = (),
        read_back: bool = True,
        heard: bool = False,
        deeper: Sequence[str] = (),
        confidence: Sequence[float] = (),
    ) -> Reply:
        """Answer one utterance; ``alternatives`` are other recogniser hypotheses,
        ``deeper`` less likely ones (only triaged), ``heard`` says the words came
        from a recogniser (and may be misheard) and ``confidence`` how sure it was of
        each word of ``text``. Triage never looks at confidence: an unsure red flag
        still escalates."""
        triage = self.triage.check_all([text, *alternatives], deeper)
        return self.reply_to(text, alternatives, triage, read_back, heard, confidence)

    def ask_heard(self, transcript: Transcript) -> Reply:
        """Answer what a recogniser heard, with everything it says about it."""
        return self.ask(
            transcript.text,
            transcript.alternatives,
            heard=True,
            deeper=transcript.deeper,
            confidence=transcript.confidence,
        )

    def reply_to(
        self,
        text: str,
        alternatives: Sequence[str],
        triage: TriageResult | None,
        read_back: bool = True,
        heard: bool = False,
        confidence: Sequence[float] = (),
    ) -> Reply:
        """The reply once triage is known (so a conversation need not triage twice)."""
        if not normalize(text) and not alternatives and triage is None:
            return Reply(text, "unknown", None, None, (), (NOT_HEARD,))
        match = self.matcher.match_all([text, *alternatives], heard, confidence)
        return self.reply_for(text, triage, match, read_back)

    def reply_for(
        self, text: str, triage: TriageResult | None, match: MatchResult, read_back: bool = True
    ) -> Reply:
        level = triage.level if triage else None
        parts = self.triage_parts(triage)
        best = match.best
        alternatives = tuple(EntryRef.of(s) for s in match.ranked[1:])
        if match.kind == "answer" and best is not None:
            parts += self.answer_parts(best.entry, read_back=read_back and not match.confident)
            return Reply(text, "answer", level, EntryRef.of(best), alternatives, tuple(parts))
        if match.kind == "clarify":
            options = match.ranked[:2]
            parts.append(self.clarify_text(options))
            return Reply(
                text, "clarify", level, None, tuple(EntryRef.of(s) for s in options), tuple(parts)
            )
        if triage is None:
            parts.append(self.unknown_text())
        return Reply(text, "unknown", level, None, alternatives, tuple(parts))


SPEECH_COMMANDS = {
    "slower": ("slower", "Speaking slower."),
    "faster": ("faster", "Speaking faster."),
    "louder": ("louder", "Speaking louder."),
    "quieter": ("quieter", "Speaking more quietly."),
}


@dataclass
class Conversation:
    """A multi-turn conversation; the same rules in text and voice mode."""

    assistant: Assistant
    preferences: Preferences = field(default_factory=Preferences)
    on_preferences: Callable[[Preferences], None] | None = None
    """Called when the user changes a setting by voice (to save and apply it)."""
    on_reply: Callable[[Reply], None] | None = None
    """Called with every reply (the opt-in transcript)."""
    disclaimer_given: bool = False
    last: Reply | None = None
    last_entry: Entry | None = None
    pending_choice: tuple[Entry, ...] = ()
    sections: tuple[str, ...] = ()
    """The last answer in parts: the answer, when to get help, where it is from."""
    position: int = 0
    finished: bool = False

    def turn(
        self,
        text: str,
        alternatives: Sequence[str] = (),
        heard: bool = False,
        deeper: Sequence[str] = (),
        confidence: Sequence[float] = (),
    ) -> Reply:
        """Reply to one utterance; ``heard``: it came from a recogniser (``alternatives``,
        ``deeper`` and ``confidence`` as for ``Assistant.ask``)."""
        reply = self._turn(text, alternatives, heard, deeper, confidence)
        if reply.kind in ("answer", "clarify") and not self.disclaimer_given:
            self.disclaimer_given = True
            reply = replace(reply, parts=(*reply.parts, self.assistant.fill(DISCLAIMER)))
        if reply.command != "repeat":
            self.last = reply
        if self.on_reply is not None:
            self.on_reply(reply)
        return reply

    def turn_heard(self, transcript: Transcript) -> Reply:
        """Reply to what a recogniser heard, with everything it says about it."""
        return self.turn(
            transcript.text,
            transcript.alternatives,
            heard=True,
            deeper=transcript.deeper,
            confidence=transcript.confidence,
        )

    def _turn(
        self,
        text: str,
        alternatives: Sequence[str],
        heard: bool,
        deeper: Sequence[str],
        confidence: Sequence[float],
    ) -> Reply:
        a = self.assistant
        triage = a.triage.check_all([text, *alternatives], deeper)
        # A red flag is never taken for a command: "stop, I can't breathe" gets the advice.
        command = None if triage is not None else find_command(text)
        if command is not None:
            reply = self._command(text, command)
            if triage is not None:
                advice = tuple(a.triage_parts(triage))
                reply = replace(reply, triage=triage.level, parts=(*advice, *reply.parts))
            return reply
        # Nothing heard leaves a question ("Did you mean ...?") waiting for its answer.
        if self.pending_choice and triage is None and normalize(text):
            pending, self.pending_choice = self.pending_choice, ()
            said = find_confirmation(text)
            if said is False:
                return Reply(text, "unknown", None, None, (), (ASK_AGAIN,))
            if said and len(pending) > 1:
                self.pending_choice = pending
                return Reply(text, "clarify", None, None, (), (WHICH_ONE,))
            chosen = pending[0] if said else self._choice(text, pending)
            if chosen is not None:
                return self._answered(
                    Reply(
                        text,
                        "answer",
                        None,
                        EntryRef(chosen.id, chosen.question, 1.0),
                        (),
                        tuple(a.answer_parts(chosen, read_back=False)),
                    )
                )
        reply = a.reply_to(
            text, alternatives, triage, self.preferences.read_back, heard, confidence
        )
        if reply.kind == "unknown" and triage is None:
            # Short commands are often misheard ("goodbye" as "i", "again" as "i dead")
            # while the recogniser's next guesses hold them; the best guess meant nothing.
            misheard = next(((t, c) for t in alternatives if (c := find_command(t))), None)
            if misheard is not None:
                return self._command(*misheard)
        if reply.kind == "clarify":
            self.pending_choice = tuple(a.kb.entry(r.id) for r in reply.alternatives)
        return self._answered(reply)

    def _answered(self, reply: Reply) -> Reply:
        if reply.kind == "answer" and reply.entry is not None:
            entry = self.assistant.kb.entry(reply.entry.id)
            self.last_entry = entry
            # The reply already said the answer and when to get help; "more" goes on.
            self.sections = (
                *self.assistant.answer_parts(entry, read_back=False),
                self.assistant.source_sentence(entry),
            )
            self.position = 1
        return reply

    def _choice(self, text: str, pending: tuple[Entry, ...]) -> Entry | None:
        words = normalize(text).split()
        ordinal = {"1": 0, "2": 1, "3": 2, "last": -1}
        picks = [ordinal[w] for w in words if w in ordinal]
        if picks and len(words) <= 5 and picks[0] < len(pending):
            return pending[picks[0]]
        match = self.assistant.matcher.match(text)
        if match.best is not None and match.best.entry in pending:
            return match.best.entry if match.kind != "unknown" else None
        return None

    def _command(self, text: str, command: str) -> Reply:
        a = self.assistant
        parts: tuple[str, ...]
        if command == "goodbye":
            self.finished = True
            parts = ("Goodbye. Take care.",)
        elif command == "repeat":
            parts = self.last.parts if self.last else ("I have not said anything yet.",)
        elif command == "help":
            parts = (
                "You can ask me a health question out loud. I know about "
                + a.topics_sentence()
                + ". You can also say repeat, slower, faster, louder, quieter, stop, more, "
                "back, where is that from, sounds off, or goodbye.",
            )
        elif command == "source":
            parts = (
                (a.source_sentence(self.last_entry),)
                if self.last_entry
                else ("I have not given an answer yet.",)
            )
        elif command in ("more", "back"):
            parts = (self._navigate(command),)
        elif command in SPEECH_COMMANDS:
            method, said = SPEECH_COMMANDS[command]
            self._set_preferences(getattr(self.preferences, method)())
            parts = (said,)
        elif command in ("sounds_off", "sounds_on"):
            on = command == "sounds_on"
            self._set_preferences(replace(self.preferences, cues=on))
            parts = ("Sounds on." if on else "Sounds off. Say sounds on to bring them back.",)
        else:  # stop: the speaker has already been silenced; say so briefly
            parts = ("Stopped.",)
        return Reply(text, "command", None, None, (), parts, command=command)

    def _set_preferences(self, preferences: Preferences) -> None:
        self.preferences = preferences
        if self.on_preferences is not None:
            self.on_preferences(preferences)

    def _navigate(self, command: str) -> str:
        if not self.sections:
            return "There is nothing more yet. Ask me a question."
        step = 1 if command == "more" else -1
        target = self.position + step
        if target >= len(self.sections):
            return "That is everything I have on that. You can ask another question."
        if target < 0:
            return "That was the start of the answer."
        self.position = target
        return self.sections[target]
