"""The knowledge base: YAML files loaded through one validating loader.

Every ``*.yaml`` / ``*.yml`` file under the content folder is read. Each file is a
mapping with any of these sections (see README "Content format")::

    entries:            # questions and their answers
      - id: kebab-case-id
        question: The question, word for word from the source document?
        topic: short phrase said in "help"
        phrasings: [other ways people ask it, ...]        # at least 8
        answer: Text read aloud.
        escalation: When to see a doctor or get help ({emergency}, {urgent}, {crisis}).
        sources: [{organisation: ..., title: ..., url: https://...}]
        reviewed: 2026-11-26
    synonyms:           # the first word of a group replaces the others
      - [spasm, twitch, jerk]
    triage:             # red flags, checked before any matching
      - id: stroke-face
        level: emergency | crisis | urgent
        advice: Said first, before anything else.
        any: [phrase, ...]                 # one of these phrases, or
        all: [[phrase, ...], [phrase, ...]]  # one phrase from every group

Everything is validated before anything is used; all problems are collected, each
with its file and line, and a file with any problem contributes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError, ContentIssue
from .text import normalize

_LOGGER = logging.getLogger(__name__)

MAX_FILE_BYTES = 1024 * 1024
# libyaml's parser when PyYAML was built with it: several times faster at start-up.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MIN_PHRASINGS = 8
TRIAGE_LEVELS = ("emergency", "crisis", "urgent")
PLACEHOLDERS = frozenset({"emergency", "urgent", "crisis"})

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Source:
    organisation: str
    title: str
    url: str


@dataclass(frozen=True)
class Entry:
    """One question the assistant can answer."""

    id: str
    question: str
    """The question as the source document words it."""
    topic: str
    """A short phrase naming the entry, used in help and clarifying questions."""
    phrasings: tuple[str, ...]
    answer: str
    escalation: str
    """When to see a doctor or get help; may hold {emergency}, {urgent}, {crisis}."""
    sources: tuple[Source, ...]
    reviewed: dt.date
    path: str
    line: int


@dataclass(frozen=True)
class TriageRule:
    """A red flag: any phrase of ``any``, or one phrase from every group of ``all``."""

    id: str
    level: str
    advice: str
    any: tuple[str, ...]
    all: tuple[tuple[str, ...], ...]
    path: str
    line: int


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    triage: tuple[TriageRule, ...]
    synonyms: dict[str, str]
    """Phrase -> the canonical word that replaces it."""

    def entry(self, entry_id: str) -> Entry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    @staticmethod
    def from_dir(directory: Path) -> KnowledgeBase:
        """Load every YAML file under ``directory``."""
        if not directory.is_dir():
            raise ContentError([ContentIssue(str(directory), 0, "content folder not found")])
        files = sorted(
            p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
        )
        if not files:
            raise ContentError([ContentIssue(str(directory), 0, "no .yaml files in this folder")])
        return KnowledgeBase.from_files(files)

    @staticmethod
    def from_files(paths: Iterable[Path]) -> KnowledgeBase:
        return KnowledgeBase.from_texts((str(p), _read(p)) for p in paths)

    @staticmethod
    def from_yaml(text: str, path: str = "<string>") -> KnowledgeBase:
        return KnowledgeBase.from_texts([(path, text)])

    @staticmethod
    def from_texts(files: Iterable[tuple[str, str | ContentIssue]]) -> KnowledgeBase:
        issues: list[ContentIssue] = []
        entries: list[Entry] = []
        rules: list[TriageRule] = []
        synonyms: dict[str, tuple[str, str, int]] = {}
        for path, text in files:
            if isinstance(text, ContentIssue):
                issues.append(text)
                continue
            parsed = _FileParser(path)
            parsed.parse(text)
            issues.extend(parsed.issues)
            if not parsed.issues:
                entries.extend(parsed.entries)
                rules.extend(parsed.rules)
                for phrase, (canonical, line) in parsed.synonyms.items():
                    if phrase in synonyms and synonyms[phrase][0] != canonical:
                        other = synonyms[phrase]
                        issues.append(
                            ContentIssue(
                                path,
                                line,
                                f"synonym '{phrase}' already maps to "
                                f"'{other[0]}' at {other[1]}:{other[2]}",
                            )
                        )
                    synonyms[phrase] = (canonical, path, line)
        issues.extend(_cross_file_issues(entries, rules))
        if issues:
            raise ContentError(issues)
        if not entries:
            raise ContentError([ContentIssue("content", 0, "no entries: nothing to answer")])
        _LOGGER.debug("Loaded %d entries and %d triage rules", len(entries), len(rules))
        return KnowledgeBase(tuple(entries), tuple(rules), {k: v[0] for k, v in synonyms.items()})


def _read(path: Path) -> str | ContentIssue:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return ContentIssue(
                str(path), 0, f"file is {size} bytes; the limit is {MAX_FILE_BYTES}"
            )
        data = path.read_bytes()
    except OSError as err:
        return ContentIssue(str(path), 0, f"cannot read file: {err.strerror or err}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        return ContentIssue(str(path), line, "not UTF-8 text; save the file as UTF-8")


def _cross_file_issues(entries: list[Entry], rules: list[TriageRule]) -> Iterator[ContentIssue]:
    seen_ids: dict[str, Entry | TriageRule] = {}
    items: list[Entry | TriageRule] = [*entries, *rules]
    for item in items:
        if item.id in seen_ids:
            first = seen_ids[item.id]
            yield ContentIssue(
                item.path,
                item.line,
                f"duplicate id '{item.id}' (first at {first.path}:{first.line})",
            )
        else:
            seen_ids[item.id] = item
    owner: dict[str, Entry] = {}
    for entry in entries:
        for text in (entry.question, *entry.phrasings):
            key = normalize(text)
            other = owner.get(key)
            if other is not None and other.id != entry.id:
                yield ContentIssue(
                    entry.path,
                    entry.line,
                    f"phrasing '{text}' of '{entry.id}' is also under '{other.id}'",
                )
            owner.setdefault(key, entry)


class _FileParser:
    """Parses one file's YAML node tree, recording issues with line numbers."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.issues: list[ContentIssue] = []
        self.entries: list[Entry] = []
        self.rules: list[TriageRule] = []
        self.synonyms: dict[str, tuple[str, int]] = {}

    def error(self, node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 0
        self.issues.append(ContentIssue(self.path, line, message))

    def parse(self, text: str) -> None:
        try:
            root = yaml.compose(text, Loader=_LOADER)
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line = mark.line + 1 if mark is not None else 0
            problem = err.problem or err.context or "invalid YAML"
            self.issues.append(ContentIssue(self.path, line, f"invalid YAML: {problem}"))
            return
        except yaml.YAMLError as err:
            self.issues.append(ContentIssue(self.path, 0, f"invalid YAML: {err}"))
            return
        if root is None:
            self.issues.append(ContentIssue(self.path, 0, "file is empty"))
            return
        if _has_alias(root):
            self.error(root, "YAML anchors and aliases (&, *) are not allowed in content")
            return
        sections = self.mapping(root, "the file", {"entries", "synonyms", "triage"}, set())
        if sections is None:
            return
        if "entries" in sections:
            for node in self.sequence(sections["entries"], "entries"):
                self.entry(node)
        if "synonyms" in sections:
            for node in self.sequence(sections["synonyms"], "synonyms"):
                self.synonym_group(node)
        if "triage" in sections:
            for node in self.sequence(sections["triage"], "triage"):
                self.rule(node)

    # -- generic node helpers ------------------------------------------------

    def mapping(
        self, node: yaml.Node, what: str, allowed: set[str], required: set[str]
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping of keys to values")
            return None
        result: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.error(key_node, f"keys in {what} must be plain words")
            elif key in result:
                self.error(key_node, f"duplicate key '{key}' in {what}")
            elif key not in allowed:
                self.error(
                    key_node,
                    f"unknown key '{key}' in {what}; expected one of: "
                    + ", ".join(sorted(allowed)),
                )
            else:
                result[key] = value_node
        for key in sorted(required - result.keys()):
            self.error(node, f"{what} is missing '{key}'")
        return result

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"'{what}' must be a list")
            return []
        return list(node.value)

    def string(self, node: yaml.Node | None, what: str) -> str:
        if node is None:
            return ""
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            self.error(node, f"'{what}' must be text")
            return ""
        value = " ".join(str(node.value).split())
        if not value:
            self.error(node, f"'{what}' is empty")
        return value

    def strings(self, node: yaml.Node | None, what: str) -> tuple[str, ...]:
        if node is None:
            return ()
        values = tuple(self.string(item, what) for item in self.sequence(node, what))
        if isinstance(node, yaml.SequenceNode) and not node.value:
            self.error(node, f"'{what}' is an empty list")
        return values

    def advice(self, node: yaml.Node | None, what: str) -> str:
        value = self.string(node, what)
        for name in _PLACEHOLDER_RE.findall(value):
            if name not in PLACEHOLDERS:
                self.error(
                    node,
                    f"unknown placeholder {{{name}}} in '{what}'; use "
                    + ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS)),
                )
        return value

    # -- sections --------------------------------------------------------------

    def entry(self, node: yaml.Node) -> None:
        keys = {
            "id",
            "question",
            "topic",
            "phrasings",
            "answer",
            "escalation",
            "sources",
            "reviewed",
        }
        fields = self.mapping(node, "an entry", keys, keys)
        if fields is None or len(fields) < len(keys):
            return
        entry_id = self.identifier(fields["id"])
        phrasings = self.strings(fields["phrasings"], "phrasings")
        if isinstance(fields["phrasings"], yaml.SequenceNode) and len(phrasings) < MIN_PHRASINGS:
            self.error(
                fields["phrasings"],
                f"entry '{entry_id}' has {len(phrasings)} phrasings; at least "
                f"{MIN_PHRASINGS} are needed",
            )
        self.entries.append(
            Entry(
                id=entry_id,
                question=self.string(fields["question"], "question"),
                topic=self.string(fields["topic"], "topic"),
                phrasings=phrasings,
                answer=self.advice(fields["answer"], "answer"),
                escalation=self.advice(fields["escalation"], "escalation"),
                sources=self.sources(fields["sources"]),
                reviewed=self.date(fields["reviewed"]),
                path=self.path,
                line=node.start_mark.line + 1,
            )
        )

    def identifier(self, node: yaml.Node) -> str:
        value = self.string(node, "id")
        if value and not _ID_RE.match(value):
            self.error(node, f"id '{value}' must be lower-case words joined by '-'")
        return value

    def sources(self, node: yaml.Node) -> tuple[Source, ...]:
        result = []
        items = self.sequence(node, "sources")
        if isinstance(node, yaml.SequenceNode) and not items:
            self.error(node, "'sources' is an empty list; cite at least one")
        for item in items:
            keys = {"organisation", "title", "url"}
            fields = self.mapping(item, "a source", keys, keys)
            if fields is None or len(fields) < len(keys):
                continue
            url = self.string(fields["url"], "url")
            if url and not url.startswith("https://"):
                self.error(fields["url"], f"url '{url}' must start with https://")
            result.append(
                Source(
                    self.string(fields["organisation"], "organisation"),
                    self.string(fields["title"], "title"),
                    url,
                )
            )
        return tuple(result)

    def date(self, node: yaml.Node) -> dt.date:
        if isinstance(node, yaml.ScalarNode):
            try:
                return dt.date.fromisoformat(str(node.value))
            except ValueError:
                pass
        self.error(node, "'reviewed' must be a date like 2026-11-26")
        return dt.date.min

    def synonym_group(self, node: yaml.Node) -> None:
        words = self.strings(node, "synonyms")
        if isinstance(node, yaml.SequenceNode) and len(words) < 2:
            self.error(node, "a synonym group needs at least two words")
            return
        canonical = normalize(words[0]) if words else ""
        if words and " " in canonical:
            self.error(node, f"the first word of a synonym group ('{words[0]}') must be one word")
        for word in words[1:]:
            self.synonyms[normalize(word)] = (canonical, node.start_mark.line + 1)

    def rule(self, node: yaml.Node) -> None:
        fields = self.mapping(
            node,
            "a triage rule",
            {"id", "level", "advice", "any", "all"},
            {"id", "level", "advice"},
        )
        if fields is None or not {"id", "level", "advice"} <= fields.keys():
            return
        level = self.string(fields["level"], "level")
        if level and level not in TRIAGE_LEVELS:
            self.error(
                fields["level"], f"level '{level}' must be one of: " + ", ".join(TRIAGE_LEVELS)
            )
        any_of = self.strings(fields.get("any"), "any")
        groups = self.sequence(fields["all"], "all") if "all" in fields else []
        all_of = tuple(self.strings(group, "all") for group in groups)
        self.check_groups_apart(groups, all_of)
        if not any_of and not all_of:
            self.error(node, "a triage rule needs 'any' phrases or 'all' groups")
        self.rules.append(
            TriageRule(
                id=self.identifier(fields["id"]),
                level=level,
                advice=self.advice(fields["advice"], "advice"),
                any=any_of,
                all=all_of,
                path=self.path,
                line=node.start_mark.line + 1,
            )
        )

    def check_groups_apart(
        self, nodes: list[yaml.Node], groups: tuple[tuple[str, ...], ...]
    ) -> None:
        # A phrase in two groups satisfies both: the rule would fire on it alone.
        seen: dict[str, int] = {}
        for index, (node, group) in enumerate(zip(nodes, groups, strict=True)):
            for phrase in group:
                key = normalize(phrase)
                if seen.get(key, index) != index:
                    self.error(
                        node,
                        f"'{phrase}' is in two 'all' groups, so it would fire on its own; "
                        "put it in 'any' or in one group",
                    )
                seen.setdefault(key, index)


def _has_alias(root: yaml.Node) -> bool:
    """True if any node is reachable twice: an alias. Walks each node once, so bombs are cheap."""
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return False
