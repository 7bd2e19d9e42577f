"""Command line: ``voiceassist [global options] COMMAND``. Only this module prints and exits."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from . import __version__, config
from .assistant import SPEECH_COMMANDS, Assistant, Conversation, Reply
from .config import LISTEN_MODES
from .content import KnowledgeBase
from .errors import AudioDeviceError, ContentError, ModelError, SpeechError, VoiceAssistError
from .settings import (
    REGIONS,
    Settings,
    SpeechInputSettings,
    SpeechSettings,
    default_content_dir,
)

if TYPE_CHECKING:
    from .enrolment import Enroller

_LOGGER = logging.getLogger("voiceassist")

GREETING_END = "Say help to hear what I know about, or goodbye to finish."
GREETING = "Ask me a health question. " + GREETING_END


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
        default=os.environ.get("VOICEASSIST_REGION", "").upper() or None,
        help="which emergency and help numbers are said (default: saved setting, else US)",
    )
    parser.add_argument("--debug", action="store_true", help="show logs and tracebacks")
    parser.add_argument(
        "--save-transcript",
        type=Path,
        metavar="FILE",
        help="append what was said and answered to FILE (nothing is saved without this)",
    )
    voice = parser.add_argument_group("voice input")
    voice.add_argument(
        "--engine",
        choices=("auto", "vosk", "pocketsphinx"),
        default="auto",
        help="speech recogniser (default: Vosk if a model is found)",
    )
    voice.add_argument("--model", type=Path, metavar="PATH", help="Vosk model folder")
    voice.add_argument("--device", metavar="DEV", help="microphone: index or part of its name")
    voice.add_argument(
        "--listen",
        choices=LISTEN_MODES,
        help="always: answer what is heard; wake: only after the wake phrase; "
        "key: after a key press (default: saved setting, else always)",
    )
    voice.add_argument(
        "--no-voice-profile",
        action="store_true",
        help="do not use the voice profile made by 'voiceassist enrol', nor learn your "
        "voice during the conversation",
    )
    voice.add_argument(
        "--trailing-silence",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="silence that ends an utterance (default: 0.5)",
    )
    speech = parser.add_argument_group("speech output")
    speech.add_argument("--rate", type=int, help="words per minute (default: saved, else 170)")
    speech.add_argument("--volume", type=float, help="0.2 to 1 (default: saved, else 1)")
    speech.add_argument("--voice", help="voice id or part of its name (see 'voiceassist voices')")
    speech.add_argument("--output-device", metavar="DEV", help="speaker: index or name")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer each question on its own")
    ask.add_argument("question", nargs="*", help="question text; '-' reads one per line from stdin")
    ask.add_argument("--wav", nargs="+", type=Path, metavar="FILE", help="answer recordings")
    _output_options(ask)

    text = commands.add_parser("text", help="a conversation, one utterance per stdin line")
    _output_options(text)

    listen = commands.add_parser("listen", help="print what the microphone hears")
    listen.add_argument("--once", action="store_true", help="stop after one utterance")

    enrol = commands.add_parser(
        "enrol",
        aliases=["enroll"],
        help="read sentences aloud so the embedded recogniser learns your voice",
    )
    enrol.add_argument(
        "--wav",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="recordings of the sentences instead of the microphone, in order (see --sentences)",
    )
    enrol.add_argument("--sentences", action="store_true", help="print the sentences to read")
    enrol.add_argument("--forget", action="store_true", help="delete your voice profile")

    commands.add_parser("devices", help="list microphones (the default is marked)")
    commands.add_parser("selftest", help="speak, listen and say whether the microphone works")
    config = commands.add_parser("config", help="show or change saved settings")
    config_commands = config.add_subparsers(dest="config_command", metavar="ACTION")
    config_commands.add_parser("show", help="print the settings and where they are kept")
    config_set = config_commands.add_parser("set", help="change one setting")
    config_set.add_argument("name")
    config_set.add_argument("value")
    config_commands.add_parser("reset", help="forget all saved settings")
    commands.add_parser("voices", help="list installed speech voices")

    models = commands.add_parser("models", help="list or download speech models")
    model_commands = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    model_commands.add_parser("list", help="installed models and where they are")
    download = model_commands.add_parser("download", help="download a Vosk model")
    download.add_argument("name", nargs="?", help="model name (default: the small US English)")
    download.add_argument("--url", help="download from here instead (a mirror)")
    download.add_argument("--sha256", help="expected checksum when --url is given")
    download.add_argument("--dir", type=Path, help="install here (default: your data folder)")

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


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per input")
    parser.add_argument("--speak", action="store_true", help="also speak the answers aloud")
    parser.add_argument(
        "--speak-to", type=Path, metavar="FILE.wav", help="write what would be spoken to a WAV file"
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command == "ask" and not args.question and not args.wav:
        parser.error("ask needs a question, '-' to read questions from stdin, or --wav FILE")
    if args.command == "ask" and args.question and args.wav:
        parser.error("ask takes either question text or --wav files, not both")
    if args.command in ("enrol", "enroll"):
        _check_enrol_args(parser, args)
    try:
        prefs = config.load()
        settings = _settings(args, prefs)
    except ValueError as err:
        parser.error(str(err))
    except VoiceAssistError as err:
        print(f"voiceassist: {err}", file=sys.stderr)
        return 1
    try:
        return _run(args, settings, prefs)
    except VoiceAssistError as err:
        if args.debug:
            raise
        print(f"voiceassist: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. piped into head); nothing left to say.
        with contextlib.suppress(OSError):
            sys.stderr.close()
        return 1


def _settings(args: argparse.Namespace, prefs: config.Preferences) -> Settings:
    """Command-line options win over saved settings, which win over defaults."""
    return Settings(
        content_dir=args.content or default_content_dir(),
        region=REGIONS[args.region or prefs.region],
        speech_input=SpeechInputSettings(
            engine=args.engine,
            model=args.model,
            device=args.device,
            trailing_silence=args.trailing_silence,
        ),
        speech=SpeechSettings(
            rate=args.rate or prefs.rate,
            volume=prefs.volume if args.volume is None else args.volume,
            voice=args.voice or prefs.voice,
        ),
    )


def _run(args: argparse.Namespace, settings: Settings, prefs: config.Preferences) -> int:
    handlers = {
        "content": _content,
        "eval": _eval,
        "devices": _devices,
        "voices": _voices,
        "models": _models,
    }
    if args.command in handlers:
        return handlers[args.command](args, settings)
    if args.command in ("enrol", "enroll"):
        return _enrol(args, settings)
    if args.command == "config":
        return _config(args, prefs)
    assistant = Assistant(KnowledgeBase.from_dir(settings.content_dir), settings)
    if args.command == "ask":
        return _ask(args, settings, assistant)
    conversation = Conversation(assistant, preferences=prefs, on_preferences=_save_preferences)
    if args.save_transcript:
        conversation.on_reply = _transcript_writer(args.save_transcript)
    if args.command == "text":
        with _speaker(args, settings) as speaker:
            return _conversation(conversation, args.json, speaker)
    if args.command == "listen":
        return _listen(args, settings, assistant)
    if args.command == "selftest":
        return _selftest(args, settings, assistant)
    return _voice(args, settings, conversation)


def _transcript_writer(path: Path) -> Any:
    """Appends each turn to ``path``; only ever used when the user asked for it."""

    def write(reply: Reply) -> None:
        try:
            with path.open("a", encoding="utf-8") as out:
                out.write(
                    json.dumps(
                        {
                            "said": reply.input,
                            "kind": reply.kind,
                            "triage": reply.triage,
                            "answer": reply.text,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        except OSError as err:
            raise VoiceAssistError(f"{path}: cannot save the transcript ({err.strerror})") from err

    return write


def _save_preferences(prefs: config.Preferences) -> None:
    try:
        config.save(prefs)
    except OSError as err:  # the change still applies to this session
        print(f"voiceassist: could not save settings ({err.strerror})", file=sys.stderr)


def _config(args: argparse.Namespace, prefs: config.Preferences) -> int:
    if args.config_command == "set":
        path = config.save(config.set_value(prefs, args.name, args.value))
        print(f"Saved {args.name} in {path}")
    elif args.config_command == "reset":
        path = config.config_path()
        path.unlink(missing_ok=True)
        print(f"Settings reset ({path} removed)")
    else:
        for name, value in dataclasses.asdict(prefs).items():
            print(f"{name}: {value}")
        print(f"Kept in {config.config_path()}")
    return 0


# -- speaking ---------------------------------------------------------------------------


@contextlib.contextmanager
def _speaker(args: argparse.Namespace, settings: Settings) -> Iterator[Any]:
    """The speaker asked for with --speak / --speak-to, or None."""
    # Imported only when asked for: text mode starts without it.
    speaker: Any = None
    if getattr(args, "speak_to", None):
        from .tts import WavFileSpeaker

        speaker = WavFileSpeaker(settings.speech, args.speak_to)
    elif getattr(args, "speak", False):
        from .tts import SpeechSpeaker

        speaker = SpeechSpeaker(settings.speech, args.output_device)
    try:
        yield speaker
    finally:
        if speaker is not None:
            speaker.close()


def _emit(reply: Reply, as_json: bool, out: TextIO, speaker: Any = None) -> None:
    if as_json:
        out.write(json.dumps(reply.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write(reply.text + "\n")
    out.flush()
    if speaker is not None:
        try:
            speaker.say(reply.parts)
        except AudioDeviceError as err:
            raise SpeechError(f"cannot speak: {err}") from err


# -- text ------------------------------------------------------------------------------


def _ask(args: argparse.Namespace, settings: Settings, assistant: Assistant) -> int:
    with _speaker(args, settings) as speaker:
        if args.wav:
            return _ask_wav(args, settings, assistant, speaker)
        questions = _stdin_lines() if args.question == ["-"] else iter([" ".join(args.question)])
        for question in questions:
            _emit(assistant.ask(question), args.json, sys.stdout, speaker)
    return 0


def _conversation(conversation: Conversation, as_json: bool, speaker: Any = None) -> int:
    if not as_json and sys.stdin.isatty():
        print(GREETING, flush=True)
    for line in _stdin_lines():
        reply = conversation.turn(line)
        if speaker is not None and reply.command in SPEECH_COMMANDS:
            speaker.configure(conversation.preferences.speech())
        _emit(reply, as_json, sys.stdout, speaker)
        if conversation.finished:
            break
    return 0


def _stdin_lines() -> Iterator[str]:
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")
    for line in sys.stdin:
        yield line.rstrip("\r\n")


# -- voice -------------------------------------------------------------------------------


def _listener(
    settings: Settings, assistant: Assistant, args: argparse.Namespace, learn: bool = False
) -> Any:
    """``learn``: adapt to the voice as the conversation goes (one person talking, unlike
    a list of recordings)."""
    from .enrolment import profile_path
    from .listen import Listener
    from .stt import make_recognizer

    speech_input = settings.speech_input
    profile = profile_path()
    if not args.no_voice_profile and profile.is_file():
        speech_input = dataclasses.replace(speech_input, voice_profile=profile)
    if learn and not args.no_voice_profile:
        speech_input = dataclasses.replace(speech_input, learn_voice=True)
    recognizer = make_recognizer(speech_input, assistant.kb)
    hint = ""
    if settings.speech_input.engine == "auto" and recognizer.engine.startswith("pocketsphinx"):
        better = "voiceassist models download"
        if speech_input.voice_profile is None:
            better = f"voiceassist enrol, or {better}"
        hint = f" (no Vosk model found; for better recognition: {better})"
    print(f"Speech recogniser: {recognizer.engine}{hint}", file=sys.stderr)
    return Listener(
        recognizer, settings.speech_input.trailing_silence, settings.speech_input.max_utterance
    )


def _ask_wav(
    args: argparse.Namespace, settings: Settings, assistant: Assistant, speaker: Any
) -> int:
    from .audio import read_wav
    from .listen import transcribe

    listener = _listener(settings, assistant, args)
    for path in args.wav:
        transcript = transcribe(listener, read_wav(path))
        reply = assistant.ask("") if transcript is None else assistant.ask_heard(transcript)
        heard = {
            "transcript": transcript.text if transcript else "",
            "engine": listener.recognizer.engine,
        }
        reply = dataclasses.replace(reply, extra={**reply.extra, **heard})
        _emit(reply, args.json, sys.stdout, speaker)
    return 0


def _listen(args: argparse.Namespace, settings: Settings, assistant: Assistant) -> int:
    from .mic import make_microphone
    from .voice import PartialLine

    listener = _listener(settings, assistant, args)
    mic = make_microphone(settings.speech_input.device)
    print(f"Listening on {mic.description}. Speak now; Ctrl-C stops.", file=sys.stderr)
    partial = PartialLine(sys.stderr)
    try:
        for transcript in listener.utterances(mic.chunks(), partial.update):
            partial.clear()
            print(transcript.text, flush=True)
            if args.once:
                break
    finally:
        mic.close()
    return 0


def _voice(args: argparse.Namespace, settings: Settings, conversation: Conversation) -> int:
    from .mic import make_microphone
    from .tts import SpeechSpeaker
    from .voice import VoiceSession

    prefs = conversation.preferences
    mode = args.listen or prefs.listen
    try:
        listener = _listener(settings, conversation.assistant, args, learn=True)
        if mode == "wake" or (mode == "always" and prefs.quiet_timeout):
            from .spotter import make_spotter

            listener.spotter = make_spotter(prefs.wake_phrase)
        mic = make_microphone(settings.speech_input.device)
    except (AudioDeviceError, ModelError) as err:
        print(
            f"voiceassist: voice input is not available ({err}); using text mode. "
            "Type a question and press Enter.",
            file=sys.stderr,
        )
        return _conversation(conversation, False)
    speaker: Any = None
    try:
        speaker = SpeechSpeaker(settings.speech, args.output_device)
    except (AudioDeviceError, SpeechError) as err:
        print(
            f"voiceassist: speech output is not available ({err}); answers are shown as text.",
            file=sys.stderr,
        )
    print(f"Listening on {mic.description}.", file=sys.stderr)
    session = VoiceSession(conversation, mic, listener, speaker, sys.stdout, sys.stderr, mode)
    try:
        greeting = {
            "always": GREETING,
            "wake": f"Say {prefs.wake_phrase}, then your health question. " + GREETING_END,
            "key": "Press any key, then ask your health question. " + GREETING_END,
        }[mode]
        session.say(Reply("", "command", None, None, (), (greeting,)))
        session.run()
    except AudioDeviceError as err:
        session.notice(
            f"voiceassist: {err}. Switching to typed input; the conversation goes on.", "error"
        )
        return _conversation(conversation, False, session.speaker)
    finally:
        mic.close()
        if session.speaker is not None:
            session.speaker.close()
        learner = getattr(listener.recognizer, "learner", None)
        if learner is not None:
            learner.close()
    return 0


def _selftest(args: argparse.Namespace, settings: Settings, assistant: Assistant) -> int:
    """Speak, listen for a few seconds, and say what was heard; nothing needs the screen."""
    import numpy as np

    from . import cues
    from .mic import make_microphone
    from .tts import SpeechSpeaker

    def say(text: str) -> None:
        print(text, flush=True)
        if speaker is not None:
            speaker.say([text])

    speaker: Any = None
    try:
        speaker = SpeechSpeaker(settings.speech, args.output_device)
    except (AudioDeviceError, SpeechError) as err:
        print(f"Speech output does not work: {err}", flush=True)
    try:
        listener = _listener(settings, assistant, args)
        mic = make_microphone(settings.speech_input.device)
    except VoiceAssistError as err:
        say(f"The microphone could not be opened: {err}")
        return 1
    try:
        say(
            f"This is the voiceassist self test, using {mic.description}. After the tone, "
            "say a few words."
        )
        if speaker is not None:
            speaker.cue(cues.listening())
        seconds, peak, chunks = 0.0, 0, []
        for chunk in mic.chunks():
            chunks.append(chunk)
            samples = np.frombuffer(chunk.audio, dtype="<i2")
            peak = max(peak, int(np.abs(samples).max(initial=0)))
            seconds += chunk.seconds
            if seconds >= 5.0:
                break
    finally:
        mic.close()
    from .listen import transcribe

    transcript = transcribe(listener, chunks)
    if peak < 300:
        say(
            "The microphone heard nothing. Check that it is plugged in, switched on and not "
            "muted, or choose another with --device."
        )
        return 1
    if transcript is None or not transcript.text:
        say("The microphone heard sound, but no words I could understand.")
    else:
        say(f"The microphone works. I understood: {transcript.text}.")
    if speaker is not None:
        speaker.close()
    return 0


def _check_enrol_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    from .enrolment import MIN_RECORDINGS, sentences

    if args.wav is None:
        return
    if args.sentences or args.forget:
        parser.error("enrol takes --wav, --sentences or --forget, one at a time")
    total = len(sentences())
    if not MIN_RECORDINGS <= len(args.wav) <= total:
        parser.error(
            f"enrol --wav needs {MIN_RECORDINGS} to {total} recordings, one per sentence in "
            f"order ('voiceassist enrol --sentences' lists them); got {len(args.wav)}"
        )


def _enrol(args: argparse.Namespace, settings: Settings) -> int:
    """Make (or forget) the voice profile the embedded recogniser adapts itself with."""
    from .enrolment import Enroller, profile_path, sentences

    profile = profile_path()
    if args.sentences:
        for number, sentence in enumerate(sentences(), start=1):
            print(f"{number}. {sentence}")
        return 0
    if args.forget:
        if profile.is_file():
            profile.unlink()
            print(f"Voice profile removed ({profile}).")
        else:
            print("There is no voice profile to remove.")
        return 0
    enroller = Enroller(settings.speech_input.cache_dir)
    if args.wav:
        return _enrol_wav(args.wav, enroller, profile)
    return _enrol_by_voice(args, settings, enroller, profile)


def _enrol_wav(paths: list[Path], enroller: Enroller, profile: Path) -> int:
    from .audio import read_wav
    from .enrolment import Recording, sentences
    from .listen import record_speech

    usable = []
    for path, sentence in zip(paths, sentences(), strict=False):
        recording = Recording(sentence, record_speech(read_wav(path)), str(path))
        if enroller.matches(recording):
            usable.append(recording)
        else:
            print(
                f"voiceassist: {path}: does not sound like '{sentence}'; left out",
                file=sys.stderr,
            )
    enroller.enrol(usable, profile)
    print(f"Voice profile saved from {len(usable)} recordings ({profile}).")
    return 0


def _enrol_by_voice(
    args: argparse.Namespace, settings: Settings, enroller: Enroller, profile: Path
) -> int:
    from .enrol_session import EnrolmentSession
    from .mic import make_microphone
    from .tts import SpeechSpeaker

    mic = make_microphone(settings.speech_input.device)
    speaker: Any = None
    try:
        speaker = SpeechSpeaker(settings.speech, args.output_device)
    except (AudioDeviceError, SpeechError) as err:
        print(
            f"voiceassist: speech output is not available ({err}); read each sentence "
            "from the screen.",
            file=sys.stderr,
        )
    print(f"Listening on {mic.description}.", file=sys.stderr)
    session = EnrolmentSession(
        enroller, mic, speaker, sys.stdout, settings.speech_input.trailing_silence
    )
    try:
        return 1 if session.run(profile) in ("too few", "failed") else 0
    finally:
        mic.close()
        if session.speaker is not None:
            session.speaker.close()


def _devices(args: argparse.Namespace, settings: Settings) -> int:
    from .mic import list_input_devices

    devices = list_input_devices()
    if not devices:
        print("No microphones found.")
        return 0
    for d in devices:
        mark = "*" if d.is_default else " "
        print(f"{mark} {d.index:3d}  {d.name}  ({d.channels} channels, {d.default_rate} Hz)")
    print("* marks the default. Choose one with --device INDEX or --device NAME.")
    return 0


def _voices(args: argparse.Namespace, settings: Settings) -> int:
    from .tts import list_voices

    for voice in list_voices():
        languages = f" ({', '.join(voice.languages)})" if voice.languages else ""
        print(f"{voice.id}  {voice.name}{languages}")
    return 0


def _models(args: argparse.Namespace, settings: Settings) -> int:
    from .models import installed_models, model_dirs

    if args.models_command == "list":
        models = installed_models()
        for model in models:
            print(f"{model.name}  {model}")
        if not models:
            print(
                "No Vosk model installed; the embedded PocketSphinx engine is used. "
                "To install one: voiceassist models download"
            )
        print("Searched: --model, VOICEASSIST_MODEL, " + ", ".join(map(str, model_dirs())))
        return 0
    from .download import CATALOGUE, DEFAULT_MODEL, ModelSpec, download_model

    name = args.name or DEFAULT_MODEL
    if args.url:
        if not args.sha256:
            raise ModelError("--url needs --sha256, so the download can be checked")
        spec = ModelSpec(name, args.url, args.sha256.lower())
    elif name in CATALOGUE:
        spec = CATALOGUE[name]
    else:
        raise ModelError(
            f"unknown model '{name}'; known: {', '.join(sorted(CATALOGUE))} "
            "(or give --url and --sha256)"
        )
    target_dir = args.dir or model_dirs()[1]
    path = download_model(spec, target_dir, progress=sys.stderr.isatty())
    print(f"Installed {spec.name} in {path}")
    return 0


# -- content and eval ----------------------------------------------------------------------


def _content(args: argparse.Namespace, settings: Settings) -> int:
    if args.content_command == "check":
        directory = args.dir or settings.content_dir
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


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from .evaluate import Targets, evaluate, load_cases

    data = load_cases(args.file)
    assistant = Assistant(KnowledgeBase.from_dir(settings.content_dir), settings)
    report = evaluate(assistant, data)
    targets = Targets()
    print("\n".join(report.lines(targets)))
    return 0 if report.meets(targets) else 1


if __name__ == "__main__":
    sys.exit(main())
