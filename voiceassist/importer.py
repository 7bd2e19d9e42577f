"""``voiceassist content import``: a plain-text Q&A document to a YAML skeleton.

The input format is the seed document's: a line ending in "?" starts an entry; the
lines after it, up to the next question, are its answer ("- " bullets allowed).
"""

from __future__ import annotations

import datetime as dt
import re

import yaml

from .errors import ContentError, ContentIssue

TODO = "TODO"


def parse_document(text: str, path: str) -> list[tuple[str, str]]:
    """(question, answer) pairs; the answer's bullets become sentences to be read aloud."""
    pairs: list[tuple[str, list[str]]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.endswith("?") and not line.startswith("- "):
            pairs.append((line, []))
        elif not pairs:
            raise ContentError(
                [
                    ContentIssue(
                        path, number, "text before the first question (a line ending in '?')"
                    )
                ]
            )
        else:
            pairs[-1][1].append(_sentence(line))
    if not pairs:
        raise ContentError([ContentIssue(path, 0, "no questions found (lines ending in '?')")])
    return [(q, " ".join(a)) for q, a in pairs]


def _sentence(line: str) -> str:
    line = line.removeprefix("- ").strip()
    line = line.replace("–", ",").replace("—", ",")
    # Text glued together in the source ("muscle.Other") is split so it reads aloud.
    line = re.sub(r"([a-z])\.([A-Z])", r"\1. \2", line)
    return line if line.endswith((".", "!", "?", ":")) else line + "."


def slug(question: str) -> str:
    words = re.findall(r"[a-z0-9]+", question.lower())
    return "-".join(words[:6]) or "entry"


def skeleton(text: str, path: str, today: dt.date | None = None) -> str:
    """YAML for the document's entries, with TODO where a person must write."""
    entries = []
    seen: set[str] = set()
    for question, answer in parse_document(text, path):
        entry_id = slug(question)
        while entry_id in seen:
            entry_id += "-2"
        seen.add(entry_id)
        entries.append(
            {
                "id": entry_id,
                "question": question,
                "topic": TODO,
                "phrasings": [TODO] * 8,
                "answer": answer or TODO,
                "escalation": TODO,
                "sources": [{"organisation": TODO, "title": TODO, "url": "https://TODO"}],
                "reviewed": (today or dt.date.today()).isoformat(),
            }
        )
    header = f"# Imported from {path}. Replace every TODO, then run 'voiceassist content check'.\n"
    return header + yaml.safe_dump(
        {"entries": entries}, sort_keys=False, allow_unicode=True, width=100
    )
