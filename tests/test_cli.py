"""The command-line contract other tools depend on."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from voiceassist.assistant import Assistant
from voiceassist.evaluate import evaluate, load_cases

from .conftest import CONTENT, DATA, SEED, RunCli

JSON_KEYS = {"input", "kind", "triage", "entry", "alternatives", "text"}


def test_ask_prints_the_scalp_answer(run_cli: RunCli) -> None:
    result = run_cli("ask", "what causes muscle spasms in my scalp")
    assert result.returncode == 0
    assert result.stdout.startswith("Tension headaches happen when the muscles")


def test_ask_json_is_one_object_with_the_contract_keys(run_cli: RunCli) -> None:
    result = run_cli("ask", "--json", "can anxiety cause twitching")
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    reply = json.loads(lines[0])
    assert set(reply) == JSON_KEYS
    assert reply["kind"] == "answer" and reply["triage"] is None
    assert set(reply["entry"]) == {"id", "question", "score"}
    assert reply["entry"]["id"] == "anxiety-twitching"


def test_ask_from_stdin_answers_every_line_on_its_own(run_cli: RunCli) -> None:
    questions = "what is cricopharyngeal spasm\n\nmy face is drooping\nhow do I bake bread\n"
    result = run_cli("ask", "--json", "-", stdin=questions)
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["kind"] for r in replies] == ["answer", "unknown", "unknown", "unknown"]
    assert [r["triage"] for r in replies] == [None, None, "emergency", None]
    assert all("not a diagnosis" not in r["text"] for r in replies[1:])


def test_text_conversation_stops_at_goodbye(run_cli: RunCli) -> None:
    lines = "can anxiety cause twitching\nrepeat that\ngoodbye\nwhat is cricopharyngeal spasm\n"
    result = run_cli("text", "--json", stdin=lines)
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["kind"] for r in replies] == ["answer", "command", "command"]
    assert replies[1]["text"] == replies[0]["text"]


def test_region_sets_the_numbers_said(run_cli: RunCli) -> None:
    result = run_cli("--region", "uk", "ask", "I want to end my life")
    assert "999" in result.stdout and "116 123" in result.stdout and "911" not in result.stdout


def test_missing_question_is_a_usage_error(run_cli: RunCli) -> None:
    result = run_cli("ask")
    assert result.returncode == 2 and "ask needs a question" in result.stderr


def test_broken_content_is_one_line_naming_file_and_line(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("entries:\n  - id: x\n    colour: red\n")
    result = run_cli("--content", str(tmp_path), "ask", "hello")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{tmp_path / 'bad.yaml'}:3" in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_debug_shows_the_traceback(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("entries: [")
    result = run_cli("--debug", "--content", str(tmp_path), "ask", "hello")
    assert result.returncode == 1 and "Traceback" in result.stderr


def test_content_check_reports_every_problem(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("entries:\n  - id: Bad Id\n")
    (tmp_path / "b.yaml").write_text("triage: 3\n")
    result = run_cli("content", "check", str(tmp_path))
    assert result.returncode == 1
    assert "a.yaml:2" in result.stderr and "b.yaml:1" in result.stderr


def test_content_check_passes_on_shipped_content(run_cli: RunCli) -> None:
    result = run_cli("content", "check", str(CONTENT))
    assert result.returncode == 0 and "8 entries" in result.stdout


def test_content_import_turns_the_seed_into_a_skeleton(run_cli: RunCli) -> None:
    result = run_cli("content", "import", str(SEED))
    assert result.returncode == 0
    entries = yaml.safe_load(result.stdout)["entries"]
    assert len(entries) == 8
    assert entries[0]["question"] == "Why is the side of my head spasming?"
    self_care = entries[1]["answer"]
    assert "Apply heat or ice to the painful area." in self_care and "- " not in self_care


def test_eval_on_the_held_out_set_meets_the_targets(run_cli: RunCli) -> None:
    result = run_cli("eval", str(DATA / "eval.yaml"))
    assert result.returncode == 0, result.stdout
    assert "Triage recall, all            100.0%" in result.stdout


def test_eval_exits_1_under_target(run_cli: RunCli, tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text("off_topic: [what causes muscle spasms in the scalp]\n")
    result = run_cli("eval", str(cases))
    assert result.returncode == 1 and "FAIL" in result.stdout


def test_text_mode_does_not_import_audio_or_speech_libraries(run_cli: RunCli) -> None:
    # numpy too: importing it took more than half of text mode's start-up.
    code = (
        "import sys; from voiceassist.__main__ import main; main(['ask', 'hello']); "
        "heavy = {'vosk', 'sounddevice', 'pyttsx3', 'pocketsphinx', 'soundfile', 'soxr', "
        "'numpy', 'voiceassist.tts'}; "
        "heavy &= set(sys.modules); "
        "print('HEAVY', sorted(heavy))"
    )
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "HEAVY []" in result.stdout


def test_second_held_out_set_is_safe_and_mostly_right(assistant: Assistant) -> None:
    # holdout.yaml was measured once and never tuned to: it guards against regressions
    # in safety (no wrong answers, every red flag) more than it grades accuracy.
    report = evaluate(assistant, load_cases(DATA / "holdout.yaml"))
    assert report.triage_recall.rate == 1.0
    assert report.wrong_answers == 0 and not report.false_emergencies
    assert report.abstention.rate >= 0.95
    assert report.in_scope.rate >= 0.9


def test_third_held_out_set_is_safe_where_it_is_not_answered(assistant: Assistant) -> None:
    # holdout2.yaml, everyday roundabout phrasings measured once: 81% answered (39/48),
    # every miss an "I don't know" or "which did you mean", never a wrong answer.
    report = evaluate(assistant, load_cases(DATA / "holdout2.yaml"))
    assert report.wrong_answers == 0
    assert report.triage_recall.rate == 1.0 and not report.false_emergencies
    assert report.abstention.rate == 1.0
    assert report.in_scope.right >= 37, report.failures
