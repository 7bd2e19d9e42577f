"""Speaker enrolment: a voice profile for the embedded engine, from sentences read aloud.

PocketSphinx's acoustic model was trained on many voices, and a voice far from them (an
accent, a speech impairment, a synthetic voice) is misheard more. From twenty sentences
read aloud, SphinxTrain's ``bw`` counts how this voice sounds each part of the model and
``mllr_solve`` estimates one MLLR transform that moves the model's sound means towards
it; PocketSphinx applies the transform when it loads (its ``mllr`` setting). This is
the adaptation the CMUSphinx tutorial describes, run from Python.

The recordings stay in memory and in a temporary folder that is removed at the end;
the profile is a small matrix of numbers and holds nothing of what was said.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import EnrolmentError
from .language_model import BundledEnglish, LanguageModel, build
from .settings import user_data_dir
from .stt import Dither, pocketsphinx_decoder

_LOGGER = logging.getLogger(__name__)

SENTENCES_FILE = Path(__file__).with_name("data") / "enrolment_sentences.txt"
MIN_RECORDINGS = 5
"""Fewer sentences than this move the model by chance more than towards the voice."""
MATCH_SHARE = 0.4
"""Share of a sentence's words a check decode must hear for its recording to be used.
Not more: before enrolment the engine mishears the very voices enrolment is for (one
of 80 espeak-ng recordings, "my grandmother grew roses in her garden", was heard as
"my trends mother drew roses insert garden"), while another sentence read by mistake
shares a word or two at most."""
TOOL_DIRS = (Path("/usr/lib/sphinxtrain"),)
"""Debian installs SphinxTrain's programs here, not on PATH."""
TOOLS_ENV = "VOICEASSIST_SPHINXTRAIN"
"""A folder to take all three programs from instead (a SphinxTrain built by hand)."""
TOOL_TIMEOUT = 300.0
PREPARED_VERSION = "1"
ENOUGH = ("that is enough", "enough", "finish")
"""Said while enrolling by voice: make the profile from the sentences said so far."""
SESSION_WORDS = ("stop", "repeat", "say that again", "goodbye", *ENOUGH)
"""What a person may say instead of the sentence while enrolling by voice."""


def sentences() -> tuple[str, ...]:
    """The sentences a person reads to enrol, in order."""
    lines = SENTENCES_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def profile_path() -> Path:
    """Where ``voiceassist enrol`` keeps the voice profile, and the engine looks for it."""
    return user_data_dir() / "voice-profile" / "mllr_matrix"


@dataclass(frozen=True)
class Recording:
    sentence: str
    """What was read."""
    audio: bytes
    """16 kHz mono 16-bit speech."""
    source: str
    """Where it came from, for messages: a file name, or "sentence 3"."""


@dataclass(frozen=True)
class Tools:
    bw: Path
    mllr_solve: Path
    mdef_convert: Path

    @classmethod
    def find(cls) -> Tools:
        found: dict[str, Path] = {}
        missing = []
        only = os.environ.get(TOOLS_ENV)
        for name in ("bw", "mllr_solve", "pocketsphinx_mdef_convert"):
            if only:
                path = shutil.which(name, path=only)
            else:
                path = shutil.which(name) or next(
                    (str(d / name) for d in TOOL_DIRS if (d / name).is_file()), None
                )
            if path is None:
                missing.append(name)
            else:
                found[name] = Path(path)
        if missing:
            raise EnrolmentError(
                f"enrolment needs SphinxTrain and PocketSphinx's tools ({', '.join(missing)} "
                "not found); on Debian or Ubuntu: sudo apt-get install sphinxtrain pocketsphinx"
            )
        return cls(found["bw"], found["mllr_solve"], found["pocketsphinx_mdef_convert"])


class Enroller:
    """Checks recordings against their sentences and makes a voice profile from them."""

    def __init__(self, cache_dir: Path, words: LanguageModel | None = None) -> None:
        """``words``: a model whose dictionary has every word of the recordings' sentences;
        by default one of the enrolment sentences."""
        self._tools = Tools.find()
        self._cache_dir = cache_dir
        self._english = BundledEnglish.find()
        # A model of the enrolment sentences alone (and the words that stop or repeat):
        # a recording of its sentence is heard nearly word for word, anything else
        # (silence, another sentence) is not.
        self._lm = words or build(
            [*sentences(), *SESSION_WORDS], cache_dir, self._english.dictionary
        )
        self._decoder: Any = None
        self._dither = Dither()

    def heard(self, audio: bytes) -> str:
        """What the unadapted engine hears in ``audio``."""
        if not audio:
            return ""
        if self._decoder is None:
            self._decoder = pocketsphinx_decoder(self._english.acoustic, self._lm)
        self._utterance(self._decoder, audio)
        hyp = self._decoder.hyp()
        return str(hyp.hypstr) if hyp is not None else ""

    def matches(self, recording: Recording) -> bool:
        """True when the recording sounds like its sentence."""
        said = recording.sentence.split()
        heard = set(self.heard(recording.audio).split())
        return sum(w in heard for w in said) >= MATCH_SHARE * len(said)

    def enrol(self, recordings: Sequence[Recording], profile: Path) -> None:
        """Make the voice profile ``profile`` from ``recordings`` (all checked already).

        The profile is written whole or not at all: an earlier one stays until the new
        one is complete.
        """
        if len(recordings) < MIN_RECORDINGS:
            raise EnrolmentError(
                f"a voice profile needs at least {MIN_RECORDINGS} sentences, "
                f"{len(recordings)} usable"
            )
        prepared = self._prepared()
        with tempfile.TemporaryDirectory(prefix="voiceassist-enrol-") as tmp:
            work = Path(tmp)
            self._features(recordings, work)
            acoustic = self._english.acoustic
            self._run(
                [
                    str(self._tools.bw),
                    "-moddeffn", str(prepared / "mdef.txt"),
                    "-mixwfn", str(prepared / "mixture_weights"),
                    "-meanfn", str(acoustic / "means"),
                    "-varfn", str(acoustic / "variances"),
                    "-tmatfn", str(acoustic / "transition_matrices"),
                    *_feature_options(acoustic / "feat.params"),
                    "-dictfn", str(self._english.dictionary),
                    "-fdictfn", str(acoustic / "noisedict"),
                    "-ctlfn", "fileids",
                    "-lsnfn", "transcription",
                    "-cepdir", ".",
                    "-cepext", "mfc",
                    "-accumdir", ".",
                ],
                work,
            )  # fmt: skip
            self._run(
                [
                    str(self._tools.mllr_solve),
                    "-meanfn", str(acoustic / "means"),
                    "-varfn", str(acoustic / "variances"),
                    "-outmllrfn", "mllr_matrix",
                    "-accumdir", ".",
                ],
                work,
            )  # fmt: skip
            made = work / "mllr_matrix"
            check_profile(made)
            staged = profile.with_name(f".{profile.name}.new")
            try:
                profile.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(made, staged)
                os.replace(staged, profile)
            except OSError as err:
                raise EnrolmentError(
                    f"{profile}: cannot save the voice profile ({err.strerror})"
                ) from err
        _LOGGER.info("Voice profile written to %s from %d sentences", profile, len(recordings))

    def _features(self, recordings: Sequence[Recording], work: Path) -> None:
        """Write each recording's features as PocketSphinx computes them, plus the lists
        ``bw`` reads."""
        decoder = pocketsphinx_decoder(self._english.acoustic, self._lm, feature_dir=work)
        names = []
        for index, recording in enumerate(recordings):
            before = set(work.glob("*.mfc"))
            # Aligning to the known sentence computes the same features as decoding,
            # without searching every word (6 s less for 20 sentences).
            decoder.set_align_text(recording.sentence)
            self._utterance(decoder, recording.audio)
            written = sorted(set(work.glob("*.mfc")) - before)
            if len(written) != 1:
                raise EnrolmentError(f"{recording.source}: no speech features could be made")
            name = f"s{index:03d}"
            written[0].rename(work / f"{name}.mfc")
            names.append(name)
        (work / "fileids").write_text("\n".join(names) + "\n", encoding="utf-8")
        lines = [f"<s> {r.sentence} </s> ({n})" for r, n in zip(recordings, names, strict=True)]
        (work / "transcription").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _utterance(self, decoder: Any, audio: bytes) -> None:
        """Give ``decoder`` one whole utterance, dithered as the recogniser does it."""
        self._dither.reset()
        decoder.start_utt()
        decoder.process_raw(self._dither.apply(audio), False, True)
        decoder.end_utt()

    def _run(self, command: list[str], cwd: Path) -> None:
        name = Path(command[0]).name
        try:
            done = subprocess.run(
                command, cwd=cwd, capture_output=True, text=True, timeout=TOOL_TIMEOUT
            )
        except subprocess.TimeoutExpired as err:
            raise EnrolmentError(f"{name} took more than {TOOL_TIMEOUT:.0f} s; stopped") from err
        except OSError as err:
            raise EnrolmentError(f"{command[0]}: cannot run ({err.strerror})") from err
        if done.returncode != 0:
            log = (done.stderr + done.stdout).splitlines()
            reason = next((ln for ln in reversed(log) if "ERROR" in ln or "FATAL" in ln), "")
            raise EnrolmentError(
                f"{name} failed (exit {done.returncode}){': ' + reason.strip() if reason else ''}"
            )

    def _prepared(self) -> Path:
        """The model files ``bw`` needs that the wheel does not ship: a text model
        definition and plain mixture weights (the wheel has them compressed, as
        ``sendump``). Made once per acoustic model and cached."""
        acoustic = self._english.acoustic
        digest = hashlib.sha256(PREPARED_VERSION.encode())
        for name in ("mdef", "sendump"):
            digest.update((acoustic / name).read_bytes())
        target = self._cache_dir / f"adaptation-{digest.hexdigest()[:16]}"
        if (target / "mdef.txt").is_file() and (target / "mixture_weights").is_file():
            return target
        try:
            self._cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".adaptation.", dir=self._cache_dir))
        except OSError as err:
            raise EnrolmentError(f"{self._cache_dir}: cannot write ({err.strerror})") from err
        try:
            convert = [str(self._tools.mdef_convert), "-text", str(acoustic / "mdef"), "mdef.txt"]
            self._run(convert, tmp)
            write_mixture_weights(read_sendump(acoustic / "sendump"), tmp / "mixture_weights")
            if not target.exists():
                tmp.rename(target)
        except OSError as err:
            if not target.exists():  # unless another enrolment prepared it meanwhile
                raise EnrolmentError(f"{target}: cannot write ({err.strerror})") from err
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return target


_FEATURE_SETTINGS = ("feat", "svspec", "cmn", "varnorm", "agc")
_CODEBOOKS = {"ptm": ".ptm.", "semi": ".semi.", "cont": ".cont."}


def _feature_options(params: Path) -> list[str]:
    """``bw``'s options for how the model computes features, from its ``feat.params``, so
    counting uses what decoding uses."""
    try:
        lines = params.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise EnrolmentError(f"{params}: cannot read ({err.strerror})") from err
    found = dict(line.split(maxsplit=1) for line in lines if len(line.split()) == 2)
    options = []
    for name in _FEATURE_SETTINGS:
        if f"-{name}" in found:
            options += [f"-{name}", found[f"-{name}"]]
    # "-model ptm": the codebook layout bw must be told as its tied-state mapping.
    options += ["-ts2cbfn", _CODEBOOKS.get(found.get("-model", "ptm"), ".ptm.")]
    return options


def check_profile(path: Path) -> None:
    """Raise EnrolmentError unless ``path`` is a readable MLLR transform: the number of
    classes and streams, then per stream its length n, an n x n matrix, an offset and a
    variance scale of n each."""
    try:
        numbers = [float(n) for n in path.read_text(encoding="ascii").split()]
    except OSError as err:
        raise EnrolmentError(f"{path}: cannot read the voice profile ({err.strerror})") from err
    except (ValueError, UnicodeDecodeError) as err:
        raise EnrolmentError(f"{path}: not a voice profile (not just numbers)") from err
    at = 2
    if len(numbers) > at:
        for _ in range(int(numbers[0]) * int(numbers[1])):
            if at >= len(numbers):
                at = -1  # ends too early
                break
            n = int(numbers[at])
            at += 1 + n * n + 2 * n
    if len(numbers) <= 2 or at != len(numbers) or min(numbers[:2]) < 1:
        raise EnrolmentError(f"{path}: not a voice profile (wrong number of values)")


def read_sendump(path: Path) -> Any:
    """Mixture weights from PocketSphinx's compressed ``sendump``: senones x streams x
    densities, as probabilities."""
    import numpy as np

    data = path.read_bytes()
    offset = 0
    order = "<"

    def integer() -> int:
        nonlocal offset, order
        (value,) = struct.unpack_from(order + "I", data, offset)
        if offset == 0 and value > 65536:
            order = ">"
            (value,) = struct.unpack_from(order + "I", data, offset)
        offset += 4
        return int(value)

    header: dict[str, str] = {}
    while True:
        size = integer()
        if size == 0:
            break
        words = data[offset : offset + size - 1].decode("ascii", "replace").split()
        offset += size
        if len(words) == 2:
            header[words[0]] = words[1]
    if int(header.get("cluster_count", "0")) != 0:
        raise EnrolmentError(f"{path}: clustered mixture weights are not supported")
    shift = int(header.get("mixw_shift", "10"))
    streams = int(header["feature_count"])
    densities = integer()
    senones = integer()
    raw = np.frombuffer(data, dtype=np.uint8, count=streams * densities * senones, offset=offset)
    # Stored as negated log-probabilities in base 1.0001, shifted down to one byte.
    logs = raw.reshape(streams, densities, senones).astype(np.int64) << shift
    return np.power(1.0001, -logs.astype(np.float64)).transpose(2, 0, 1)


def write_mixture_weights(weights: Any, path: Path) -> None:
    """Write a senones x streams x densities array in SphinxTrain's binary format."""
    header = b"s3\nversion 1.0\n"
    pad = -(len(header) + len(b"endhdr\n")) % 4  # the data starts on a 4-byte boundary
    with path.open("wb") as out:
        out.write(header + b" " * pad + b"endhdr\n")
        out.write(struct.pack("<i", 0x11223344))
        d1, d2, d3 = weights.shape
        out.write(struct.pack("<IIII", d1, d2, d3, d1 * d2 * d3))
        out.write(weights.astype("<f4").tobytes())
