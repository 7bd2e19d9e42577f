"""The knowledge base: the shipped content, and the loader's validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiceassist.content import MIN_PHRASINGS, KnowledgeBase
from voiceassist.errors import ContentError

from .conftest import CONTENT, SEED

GOOD_ENTRY = """\
entries:
  - id: example-entry
    question: Is this an example?
    topic: examples
    phrasings: [one a, two b, three c, four d, five e, six f, seven g, eight h]
    answer: Yes, it is.
    escalation: Call {emergency} in an emergency.
    sources: [{organisation: NHS, title: Example, url: "https://www.nhs.uk/"}]
    reviewed: 2026-11-26
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path) -> ContentError:
    with pytest.raises(ContentError) as caught:
        KnowledgeBase.from_dir(tmp_path)
    return caught.value


def seed_questions() -> list[str]:
    return [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.endswith("?")]


def test_every_seed_question_is_an_entry_word_for_word(kb: KnowledgeBase) -> None:
    assert sorted(e.question for e in kb.entries) == sorted(seed_questions())


def test_every_entry_has_enough_phrasings_sources_and_review_date(kb: KnowledgeBase) -> None:
    for entry in kb.entries:
        assert len(entry.phrasings) >= MIN_PHRASINGS, entry.id
        assert entry.sources and all(s.url.startswith("https://") for s in entry.sources)
        assert entry.reviewed.year >= 2026


def test_answers_read_aloud_have_no_bullet_glyphs(kb: KnowledgeBase) -> None:
    for entry in kb.entries:
        for text in (entry.answer, entry.escalation):
            assert "•" not in text and "\n" not in text and " - " not in text, entry.id
            assert text.rstrip().endswith("."), entry.id


def test_a_valid_file_loads(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY)
    assert [e.id for e in KnowledgeBase.from_dir(tmp_path).entries] == ["example-entry"]


def test_unknown_key_names_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "a.yaml", GOOD_ENTRY.replace("    topic:", "    colour: red\n    topic:")
    )
    issue = load_error(tmp_path).issues[0]
    assert (issue.path, issue.line) == (str(path), 4)
    assert "unknown key 'colour'" in issue.message


def test_missing_key_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        GOOD_ENTRY.replace("    escalation: Call {emergency} in an emergency.\n", ""),
    )
    assert "missing 'escalation'" in str(load_error(tmp_path))


def test_wrong_type_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY.replace("answer: Yes, it is.", "answer: [yes]"))
    assert "'answer' must be text" in str(load_error(tmp_path))


def test_empty_text_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY.replace("answer: Yes, it is.", "answer: '  '"))
    assert "'answer' is empty" in str(load_error(tmp_path))


def test_too_few_phrasings_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY.replace("seven g, eight h", "seven g"))
    assert "at least 8 are needed" in str(load_error(tmp_path))


def test_unknown_placeholder_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY.replace("{emergency}", "{ambulance}"))
    assert "unknown placeholder {ambulance}" in str(load_error(tmp_path))


def test_duplicate_ids_across_files_name_both_places(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY)
    other = GOOD_ENTRY.replace("one a, two b", "uno, dos").replace("Is this", "Is that")
    write(tmp_path, "b.yaml", other)
    message = str(load_error(tmp_path))
    assert "duplicate id 'example-entry'" in message and "a.yaml:2" in message


def test_same_phrasing_under_two_entries_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY)
    other = GOOD_ENTRY.replace("example-entry", "other-entry").replace("Is this", "Is that")
    write(tmp_path, "b.yaml", other.replace("one a", "different"))
    assert "is also under 'example-entry'" in str(load_error(tmp_path))


def test_a_triage_phrase_in_two_all_groups_is_reported_with_its_line(tmp_path: Path) -> None:
    # It would fire on its own: "a rash on my arm" taken for meningitis.
    write(
        tmp_path,
        "t.yaml",
        "triage:\n  - id: x\n    level: urgent\n    advice: Go.\n    all:\n"
        "      - [neck, rash]\n      - [fever, rash]\n",
    )
    message = str(load_error(tmp_path))
    assert "t.yaml:7" in message and "'rash' is in two 'all' groups" in message


def test_duplicate_key_is_reported_with_its_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        GOOD_ENTRY.replace("    topic: examples\n", "    topic: examples\n    topic: again\n"),
    )
    issue = load_error(tmp_path).issues[0]
    assert issue.line == 5 and "duplicate key 'topic'" in issue.message


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY.replace("answer: Yes, it is.", "answer: [unclosed"))
    issue = load_error(tmp_path).issues[0]
    assert "invalid YAML" in issue.message and issue.line >= 7


def test_aliases_are_refused_without_expanding_them(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20)
    )
    write(tmp_path, "bomb.yaml", bomb)
    assert "aliases" in str(load_error(tmp_path))


def test_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY.encode() + b"# caf\xe9\n")
    issue = load_error(tmp_path).issues[0]
    assert issue.line == 10 and "UTF-8" in issue.message


def test_huge_file_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY + "#" * (2 * 1024 * 1024))
    assert "the limit is" in str(load_error(tmp_path))


def test_folder_without_yaml_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt", "not content")
    assert "no .yaml files" in str(load_error(tmp_path))


def test_a_broken_file_never_half_loads(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY)
    write(tmp_path, "b.yaml", "entries:\n  - id: Broken Id\n")
    with pytest.raises(ContentError):
        KnowledgeBase.from_dir(tmp_path)


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY.replace("topic: examples", "topic: 12"))
    write(
        tmp_path, "b.yaml", "triage:\n  - id: x\n    level: panic\n    advice: Go.\n    any: [y]\n"
    )
    issues = load_error(tmp_path).issues
    assert {Path(i.path).name for i in issues} == {"a.yaml", "b.yaml"}


def test_shipped_content_passes_its_own_checker() -> None:
    assert KnowledgeBase.from_dir(CONTENT).entries
