"""Speech recognisers behind one small interface, built in one factory.

Endpointing is not the recogniser's job here: ``listen.Listener`` finds where speech
starts and stops, so both engines get the same utterances and trailing-silence setting.
Heavy libraries are imported inside the engines, so text mode never loads them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .audio import RECOGNISER_RATE
from .content import KnowledgeBase
from .errors import ModelError
from .settings import SpeechInputSettings

if TYPE_CHECKING:
    from .adaptation import VoiceLearner

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transcript:
    text: str
    """The best hypothesis."""
    alternatives: tuple[str, ...]
    """Other hypotheses, best first, without the best one."""
    engine: str
    """Which recogniser and model heard it."""
    seconds: float = 0.0
    """Length of the speech heard."""
    wake: bool = False
    """The wake phrase was heard in this utterance; the text is what followed it."""
    idle: bool = False
    """Not an utterance: nothing was said for the listener's idle time."""
    deeper: tuple[str, ...] = ()
    """Hypotheses further down the recogniser's list, after ``alternatives``: too
    unlikely to answer from, but triaged (see ``triage.DEEPER_VOTES``). Only from the
    embedded engine before it is adapted to the voice."""
    confidence: tuple[float, ...] = ()
    """How sure the recogniser is of each word of ``text`` (0 to 1, in order): the
    word's posterior probability. Empty when the engine gives none (Vosk with
    alternatives)."""


LANGUAGE_WEIGHT = 4.0
"""PocketSphinx's language weight: how much the language model counts against the sounds."""
DEEPER_HYPOTHESES = 35
"""How many hypotheses after the alternatives are kept for triage by the unadapted
embedded engine. Adapted to the voice (enrolled, or learnt in a conversation) it caught no
more red flags with them on eval.yaml (48 of 50 either way) and gave emergency advice on
15 and 18 of 112 ordinary questions instead of 13 and 15, so it keeps none."""
TOP_GAUSSIANS = 8
"""How many of each codebook's Gaussians score a sound (PocketSphinx's default is 4)."""
SECOND_PASS_WORD_FRAMES = 6
"""The second pass searches only words the first pass ended in at least this many frames
(PocketSphinx's default is 4)."""
LOOKAHEAD_FRAMES = 3
"""How far ahead, in frames, the quick phone pass looks to rule out words the first pass
need not try (PocketSphinx's default is 5)."""
WORDS_PER_FRAME = 20
"""At most this many words may end in one frame of the first pass (PocketSphinx's default
keeps every word inside the beam)."""


class Recognizer(Protocol):
    """Turns one utterance of 16 kHz mono 16-bit audio into text."""

    engine: str

    def start(self) -> None: ...

    def accept(self, audio: bytes) -> None: ...

    def partial(self) -> str: ...

    def finish(self) -> Transcript: ...


@runtime_checkable
class LearnsVoice(Protocol):
    """A recogniser that adapts to the person talking."""

    def learn(self, text: str) -> None:
        """The last utterance said ``text`` (it was answered without doubt)."""


class PocketSphinxRecognizer:
    """PocketSphinx with its bundled US English acoustic model and a language model of
    what people say here: the knowledge base's questions and red-flag sentences.

    One model for both, so "my son is having a fit" is not forced into the words of a
    question about twitching, nor a question into red-flag words. An earlier design
    ran a second decoder with a red-flag-only model; on the spoken development set the
    single model caught more red flags (101 against 95 of 117) with half the false
    alarms (14 against 29 of 192 ordinary utterances) in 40% of the time.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        cache_dir: Path,
        alternatives: int = 5,
        voice_profile: Path | None = None,
        learn_voice: bool = False,
    ) -> None:
        """``learn_voice``: adapt to the person from what ``learn`` is told (not with a
        ``voice_profile``, which already fits them)."""
        from .language_model import BundledEnglish, build, corpus

        english = BundledEnglish.find()
        lm = build(corpus(kb), cache_dir, english.dictionary)
        self._decoder = pocketsphinx_decoder(english.acoustic, lm, voice_profile)
        self._alternatives = alternatives
        self._deeper = 0 if voice_profile else DEEPER_HYPOTHESES
        self._bytes = 0
        self._audio: list[bytes] = []
        """The utterance so far, kept only to learn from."""
        self._dither = Dither()
        self.engine = _engine_name(", adapted to your voice" if voice_profile else "")
        self.learner: VoiceLearner | None = None
        if learn_voice and voice_profile is None:
            from .adaptation import VoiceLearner
            from .enrolment import Tools
            from .errors import EnrolmentError

            try:
                Tools.find()
            except EnrolmentError as err:  # learning is a bonus; the start-up line says
                _LOGGER.info("Not learning your voice: %s", err)
                return
            self.learner = VoiceLearner(
                cache_dir, lm, lambda profile: pocketsphinx_decoder(english.acoustic, lm, profile)
            )
            self.engine = _engine_name(", learns your voice as you talk")

    def start(self) -> None:
        adapted = self.learner.adapted() if self.learner is not None else None
        if adapted is not None:
            # Between utterances, so no utterance is heard half by each model.
            self._decoder, questions = adapted
            self._deeper = 0
            self.engine = _engine_name(f", adapted to your voice from {questions} questions")
        self._decoder.start_utt()
        self._dither.reset()
        self._bytes = 0
        self._audio = []

    def accept(self, audio: bytes) -> None:
        self._decoder.process_raw(self._dither.apply(audio), False, False)
        self._bytes += len(audio)
        if self.learner is not None:
            self._audio.append(audio)

    def learn(self, text: str) -> None:
        if self.learner is not None:
            self.learner.add(text, b"".join(self._audio))

    def partial(self) -> str:
        hyp = self._decoder.hyp()
        return str(hyp.hypstr) if hyp is not None else ""

    def finish(self) -> Transcript:
        best, others = _finish(self._decoder, self._alternatives + self._deeper)
        return Transcript(
            best,
            tuple(others[: self._alternatives]),
            self.engine,
            self._bytes / 2 / RECOGNISER_RATE,
            deeper=tuple(others[self._alternatives :]),
            confidence=_word_posteriors(self._decoder, best),
        )


def _engine_name(adapted: str) -> str:
    return f"pocketsphinx en-us (knowledge-base language model{adapted})"


def _pocketsphinx() -> Any:
    import pocketsphinx

    return pocketsphinx


def pocketsphinx_decoder(
    acoustic: Path, lm: Any, voice_profile: Path | None = None, feature_dir: Path | None = None
) -> Any:
    """A PocketSphinx decoder for ``lm``; ``voice_profile``: an MLLR transform made by
    ``voiceassist enrol``; ``feature_dir``: where to write each utterance's features."""
    ps = _pocketsphinx()
    config = ps.Config(
        hmm=str(acoustic),
        lm=str(lm.lm),
        dict=str(lm.dictionary),
        samprate=RECOGNISER_RATE,
        loglevel="FATAL",
        # The default (6.5) suits the general language model; ours is small and made of
        # what is asked here. Trusting the sounds more heard 105 questions of the spoken
        # development set's 120 (6.5: 95) and 105 red flags of 117 (6.5: 91), measured
        # before the triage phrases added on 2026-11-26 moved both by two or three.
        # It weighs the first pass, which prunes; the second pass and the best path keep
        # their own weights (8.5 and 9.5), which suit: 4 for them too heard 83 questions,
        # 7 and 8 heard 101, 10 and 11 heard 103 with 8 more false alarms (2026-11-27).
        lw=LANGUAGE_WEIGHT,
        # Scoring each sound with the 8 best-fitting Gaussians rather than 4 heard 105
        # questions of the spoken development set's 120 (4: 102) and 104 red flags of 117
        # (101), with no more false alarms, for about a third more decoding time.
        topn=TOP_GAUSSIANS,
        # The second pass scores every sound again once the utterance ends (a quarter of
        # the decoding time). Leaving out words the first pass ended in fewer frames decoded
        # 5% faster and heard as well or better: on the spoken development set 105 of 120
        # questions answered (4: 104), 106 of 117 red flags (105), 23 false alarms of 234
        # (24); on holdout.yaml and holdout2.yaml one more question reached each; on
        # eval.yaml the same questions and red flags, 2 more false alarms of 112. At 7 and
        # 8 frames eval.yaml lost a question (2026-11-27).
        fwdflatefwid=SECOND_PASS_WORD_FRAMES,
        # A shorter phone lookahead and a cap on the words ending in each frame decoded 4 to
        # 8% faster (paired time on the same utterances) and heard the same on eval.yaml,
        # holdout.yaml and holdout2.yaml: the same questions, red flags and false alarms.
        # On the spoken development set: 114 questions reached of 120 (115), 106 red flags
        # of 117 (same), 22 false alarms of 234 (23). A lookahead of 1 frame (9% faster)
        # lost a red flag on eval.yaml and one on the development set (2026-11-27).
        pl_window=LOOKAHEAD_FRAMES,
        maxwpf=WORDS_PER_FRAME,
        # Dither does this job reproducibly; PocketSphinx's own dither draws from a
        # generator that its seed does not reset, so the same audio gave other words.
        dither=False,
    )
    if feature_dir is not None:
        config["mfclogdir"] = str(feature_dir)
    if voice_profile is None:
        return ps.Decoder(config)
    from .enrolment import check_profile
    from .errors import EnrolmentError

    try:
        check_profile(voice_profile)
    except EnrolmentError as err:
        raise ModelError(
            f"{err}; run 'voiceassist enrol' again, or 'voiceassist enrol --forget'"
        ) from err
    config["mllr"] = str(voice_profile)
    return ps.Decoder(config)


class Dither:
    """Adds one least-significant bit to a quarter of the samples, as PocketSphinx's
    dither does, from a generator restarted for every utterance.

    The noise keeps digital silence (synthetic or gated audio) from upsetting the feature
    normalisation (33 -> 35 of 40 spoken development questions); restarting it means
    the same recording is always heard the same way, here and in CI.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        import numpy as np

        self._rng = np.random.default_rng(0)

    def apply(self, audio: bytes) -> bytes:
        import numpy as np

        samples = np.frombuffer(audio, dtype="<i2").astype(np.int32)
        samples += self._rng.integers(0, 4, samples.size) == 0
        return np.clip(samples, -32768, 32767).astype("<i2").tobytes()


def _finish(decoder: Any, alternatives: int) -> tuple[str, list[str]]:
    decoder.end_utt()
    hyp = decoder.hyp()
    best = str(hyp.hypstr) if hyp is not None else ""
    others: list[str] = []
    try:
        for nbest in decoder.nbest():
            if nbest is None:
                break
            text = " ".join(str(nbest.hypstr).split())
            if text and text != best and text not in others:
                others.append(text)
            if len(others) >= alternatives:
                break
    except (RuntimeError, ValueError, AttributeError):  # no lattice for very short input
        pass
    return best, others


def _word_posteriors(decoder: Any, best: str) -> tuple[float, ...]:
    """Each word of ``best``'s posterior probability, from the lattice ``_finish`` made.

    Words misheard from sounds the language model has no words for ("tablets ate" for
    "can I take") come out unsure; empty if the words do not line up with ``best``.
    """
    try:
        decoder.get_prob()  # computes the posteriors that seg() then reports
        words = [
            (str(s.word).split("(")[0], float(s.prob))
            for s in decoder.seg()
            if not str(s.word).startswith(("<", "["))
        ]
    except (RuntimeError, ValueError, AttributeError):  # no lattice for very short input
        return ()
    if [w for w, _ in words] != best.split():
        return ()
    return tuple(min(1.0, p) for _, p in words)


class VoskRecognizer:
    """Vosk (Kaldi) with a model folder; alternatives from SetMaxAlternatives."""

    def __init__(self, model_path: Path, alternatives: int = 5) -> None:
        import vosk

        vosk.SetLogLevel(-1)
        _check_vosk_model(model_path)
        try:
            self._model = vosk.Model(str(model_path))
        except Exception as err:  # vosk raises a bare Exception on a bad model
            raise ModelError(
                f"{model_path}: cannot load the Vosk model ({err}); "
                "remove it and run 'voiceassist models download'"
            ) from err
        self._vosk = vosk
        self._alternatives = alternatives
        self._recognizer: Any = None
        self._bytes = 0
        self.engine = f"vosk {model_path.name}"

    def start(self) -> None:
        recognizer = self._vosk.KaldiRecognizer(self._model, RECOGNISER_RATE)
        recognizer.SetMaxAlternatives(self._alternatives)
        self._recognizer = recognizer
        self._texts: list[list[str]] = []
        self._bytes = 0

    def accept(self, audio: bytes) -> None:
        self._bytes += len(audio)
        if self._recognizer.AcceptWaveform(audio):
            # Vosk found a pause of its own inside our utterance; keep that part.
            self._texts.append(_vosk_texts(self._recognizer.Result()))

    def partial(self) -> str:
        done = " ".join(t[0] for t in self._texts if t)
        now = str(json.loads(self._recognizer.PartialResult()).get("partial", ""))
        return " ".join(p for p in (done, now) if p)

    def finish(self) -> Transcript:
        self._texts.append(_vosk_texts(self._recognizer.FinalResult()))
        parts = [t for t in self._texts if t and t[0]]
        best = " ".join(t[0] for t in parts)
        others: list[str] = []
        # Alternatives vary one part at a time; a red flag in any of them still counts.
        for index, options in enumerate(parts):
            for option in options[1:]:
                words = [t[0] for t in parts]
                words[index] = option
                text = " ".join(w for w in words if w)
                if text != best and text not in others:
                    others.append(text)
        return Transcript(
            best,
            tuple(others[: self._alternatives]),
            self.engine,
            self._bytes / 2 / RECOGNISER_RATE,
        )


def _vosk_texts(result_json: str) -> list[str]:
    result = json.loads(result_json)
    if "alternatives" in result:
        return [str(a.get("text", "")).strip() for a in result["alternatives"]]
    return [str(result.get("text", "")).strip()]


def _check_vosk_model(path: Path) -> None:
    if not path.is_dir():
        raise ModelError(f"{path}: Vosk model folder not found; run 'voiceassist models download'")
    missing = [p for p in ("am/final.mdl", "conf/model.conf") if not (path / p).is_file()]
    has_graph = any((path / "graph" / g).is_file() for g in ("HCLG.fst", "HCLr.fst"))
    if missing or not has_graph:
        what = ", ".join(missing + ([] if has_graph else ["graph/HCLG.fst"]))
        raise ModelError(
            f"{path}: incomplete Vosk model (missing {what}); remove the folder "
            "and run 'voiceassist models download'"
        )


def make_recognizer(settings: SpeechInputSettings, kb: KnowledgeBase) -> Recognizer:
    """The one place recognisers are built: Vosk when a model is found, else PocketSphinx."""
    from .models import find_vosk_model

    if settings.engine in ("auto", "vosk"):
        model = find_vosk_model(settings.model)
        if model is not None:
            return VoskRecognizer(model, settings.alternatives)
        if settings.engine == "vosk":
            raise ModelError(
                "no Vosk model found; run 'voiceassist models download' or pass --model PATH"
            )
        _LOGGER.info("No Vosk model found; using the embedded PocketSphinx engine")
    return PocketSphinxRecognizer(
        kb, settings.cache_dir, settings.alternatives, settings.voice_profile, settings.learn_voice
    )
