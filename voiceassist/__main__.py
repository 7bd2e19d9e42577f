"""Command line: ``voiceassist [global options] COMMAND``. Only this module prints and exits."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from . import __version__
from .assistant import Assistant, Conversation, Reply
from .content import KnowledgeBase
from .errors import ContentError, VoiceAssistError
from .settings import REGIONS, Settings, default_content_dir

_LOGGER = logging.getLogger("voiceassist")

GREETING = "Ask me a health question. Say help to hear what I know about, or goodbye to finish."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voiceassist",
        description="Offline symptom assistant: ask about head, face and throat spasms.",
    )
    parser.add_argument("--version", action="version", version=f"voiceassist {__version__}")
    parser.add_argument(
        "--content",
        type=Path,
        metavar="DIR",
        help="knowledge-base folder; every YAML file in it is loaded "
        f"(default: {default_content_dir()})",
    )
    parser.add_argument(
        "--region",
        choices=sorted(REGIONS),
        type=str.upper,
        default=os.environ.get("VOICEASSIST_REGION", "US").upper(),
        help="which emergency and help numbers are said (default: US)",
    )
    parser.add_argument("--debug", action="store_true", help="show logs and tracebacks")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer each question on its own")
    ask.add_argument("question", nargs="*", help="question text; '-' reads one per line from stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")

    text = commands.add_parser("text", help="a conversation, one utterance per stdin line")
    text.add_argument("--json", action="store_true", help="one JSON object per line")

    evaluate = commands.add_parser("eval", help="measure accuracy on a labelled set")
    evaluate.add_argument("file", type=Path)

    content = commands.add_parser("content", help="check or import knowledge-base files")
    content_commands = content.add_subparsers(
        dest="content_command", metavar="ACTION", required=True
    )
    check = content_commands.add_parser("check", help="report every problem in a content folder")
    check.add_argument("dir", nargs="?", type=Path)
    imp = content_commands.add_parser("import", help="plain-text Q&A document to YAML skeleton")
    imp.add_argument("file", type=Path)
    imp.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command == "ask" and not args.question:
        parser.error("ask needs a question, or '-' to read questions from stdin")
    try:
        return _run(args)
    except VoiceAssistError as err:
        if args.debug:
            raise
        print(f"voiceassist: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. piped into head); nothing left to say.
        sys.stderr.close()
        return 1


def _settings(args: argparse.Namespace) -> Settings:
    content_dir = args.content if args.content else default_content_dir()
    return Settings(content_dir=content_dir, region=REGIONS[args.region])


def _assistant(args: argparse.Namespace) -> Assistant:
    settings = _settings(args)
    return Assistant(KnowledgeBase.from_dir(settings.content_dir), settings)


def _run(args: argparse.Namespace) -> int:
    if args.command == "content":
        return _content(args)
    if args.command == "eval":
        return _eval(args)
    assistant = _assistant(args)
    if args.command == "ask":
        questions = _stdin_lines() if args.question == ["-"] else [" ".join(args.question)]
        for question in questions:
            _emit(assistant.ask(question), args.json, sys.stdout)
        return 0
    if args.command is None:
        print(
            "voiceassist: voice mode is not available yet; using text mode. "
            "Type a question and press Enter.",
            file=sys.stderr,
        )
    return _conversation(Conversation(assistant), getattr(args, "json", False))


def _conversation(conversation: Conversation, as_json: bool) -> int:
    if not as_json and sys.stdin.isatty():
        print(GREETING, flush=True)
    for line in _stdin_lines():
        _emit(conversation.turn(line), as_json, sys.stdout)
        if conversation.finished:
            break
    return 0


def _emit(reply: Reply, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(reply.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write(reply.text + "\n")
    out.flush()


def _stdin_lines() -> Iterator[str]:
    stream: Iterable[str] = sys.stdin
    if isinstance(sys.stdin, __import__("io").TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")
    for line in stream:
        yield line.rstrip("\r\n")


def _content(args: argparse.Namespace) -> int:
    if args.content_command == "check":
        directory = args.dir or args.content or default_content_dir()
        try:
            kb = KnowledgeBase.from_dir(directory)
        except ContentError as err:
            for issue in err.issues:
                print(issue, file=sys.stderr)
            print(f"{len(err.issues)} problem(s) found; nothing was loaded.", file=sys.stderr)
            return 1
        print(
            f"{directory}: {len(kb.entries)} entries, {len(kb.triage)} red-flag rules, "
            f"{len(kb.synonyms)} synonyms: all valid."
        )
        return 0
    from .importer import skeleton

    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise VoiceAssistError(f"{args.file}: cannot read: {err}") from err
    result = skeleton(text, str(args.file))
    if args.output:
        if args.output.exists():
            raise VoiceAssistError(f"{args.output}: already exists; not overwriting it")
        args.output.write_text(result, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(result)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from .evaluate import Targets, evaluate, load_cases

    data = load_cases(args.file)
    report = evaluate(_assistant(args), data)
    targets = Targets()
    print("\n".join(report.lines(targets)))
    return 0 if report.meets(targets) else 1


if __name__ == "__main__":
    sys.exit(main())
