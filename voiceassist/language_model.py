"""A PocketSphinx language model built from the knowledge base, cached by content hash.

The general US English model hears "what causes muscle spasms in the scalp" as "what
was his muscles on the scalp". A model built from what people ask here (questions,
phrasings, red-flag phrases, commands) biases recognition towards those words.
Words missing from CMUdict ("cricopharyngeal", "paracetamol") get pronunciations from
espeak-ng, which speaks them anyway, mapped to CMUdict phones.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import logging
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .commands import COMMAND_PHRASES, CONFIRM_PHRASES
from .content import KnowledgeBase
from .errors import ModelError

_LOGGER = logging.getLogger(__name__)

BUILD_VERSION = "2"
"""Bump when the way models are built changes, so old caches are not reused."""
EVERYDAY_COUNT = 0.1
"""Each everyday word counts as a tenth of a knowledge-base word: heard, but not favoured."""

EVERYDAY_WORDS = Path(__file__).with_name("data") / "everyday_words.txt"
"""Common English words, kept in the model as unigrams so speech about other things is
heard as other things rather than forced into knowledge-base words."""


def everyday_words() -> list[str]:
    lines = EVERYDAY_WORDS.read_text(encoding="utf-8").splitlines()
    return [w for w in lines if w and not w.startswith("#")]


# espeak-ng's phoneme mnemonics (espeak-ng -x) to CMUdict phones.
_ESPEAK_TO_CMU = {
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "g": "G", "f": "F", "v": "V",
    "T": "TH", "D": "DH", "s": "S", "z": "Z", "S": "SH", "Z": "ZH", "h": "HH", "m": "M",
    "n": "N", "N": "NG", "l": "L", "r": "R", "w": "W", "j": "Y", "tS": "CH", "dZ": "JH",
    "t#": "T", "d#": "D", "n-": "N", "l-": "L", "m-": "M", "r-": "R", "x": "K", "C": "HH",
    "?": "", ";": "", "a": "AE", "a#": "AH", "a2": "AE", "A:": "AA", "A@": "AA R", "A": "AA",
    "0": "AA", "O:": "AO", "O@": "AO R", "O": "AO", "o@": "AO R", "o": "OW", "V": "AH",
    "VR": "AH R", "@": "AH", "@2": "AH", "@5": "AH", "@L": "AH L", "3": "ER", "3:": "ER",
    "E": "EH", "e": "EH", "e@": "EH R", "I": "IH", "I2": "IH", "I#": "IH", "IR": "IH R",
    "i": "IY", "i:": "IY", "i@": "IY AH", "i@3": "IH R", "u:": "UW", "u": "UW", "U": "UH",
    "U@": "UH R", "eI": "EY", "aI": "AY", "aU": "AW", "oU": "OW", "OI": "OY", "@U": "OW",
    "aI@": "AY ER", "aU@": "AW ER", "aI3": "AY ER",
}  # fmt: skip


@dataclass(frozen=True)
class BundledEnglish:
    """The US English model shipped in the pocketsphinx wheel."""

    acoustic: Path
    dictionary: Path
    """CMUdict: pronunciations of 130,000 English words."""

    @classmethod
    def find(cls) -> BundledEnglish:
        import pocketsphinx

        folder = Path(pocketsphinx.get_model_path()) / "en-us"
        return cls(folder / "en-us", folder / "cmudict-en-us.dict")


@dataclass(frozen=True)
class LanguageModel:
    lm: Path
    """ARPA language model."""
    dictionary: Path
    """Pronunciations of every word in the model."""


QUESTION_WEIGHT = 3
"""How many times each question, phrasing and command counts against one red-flag sentence.

There are thousands of red-flag sentences (see ``red_flag_sentences``) and a few hundred
questions; without the weight, questions drift towards red-flag words. Chosen on the
spoken development set (tests/data/dev.yaml): 1 heard 100 of its 120 questions, 3 heard
105, both catching 105 of 117 red flags; 10 caught 2 fewer red flags and answered 3 more
off-topic questions. (Measured before the triage phrases added on 2026-11-26, which moved
the figures for 3 by two or three utterances.)"""


def corpus(kb: KnowledgeBase) -> list[str]:
    """Everything people say here, as the recogniser writes it: the questions (weighted)
    and the red-flag sentences, in one model so neither is forced into the other's words."""
    return question_sentences(kb) * QUESTION_WEIGHT + red_flag_sentences(kb)


def question_sentences(kb: KnowledgeBase) -> list[str]:
    """Questions, phrasings, topics, red-flag phrases on their own, and commands."""
    texts: list[str] = []
    for entry in kb.entries:
        texts += [entry.question, *entry.phrasings, entry.topic]
    for rule in kb.triage:
        texts += [*rule.any, *(phrase for group in rule.all for phrase in group)]
    for phrases in (*COMMAND_PHRASES.values(), *CONFIRM_PHRASES.values()):
        texts += phrases
    texts += ["the first one", "the second one", "number one", "number two"]
    return _with_contractions(texts)


_FRAMES = (
    "{}",
    "i {}",
    "i have {}",
    "i am {}",
    "my {}",
    "he is {}",
    "she is {}",
    "i think i am {}",
    "i feel {}",
    "i have been {}",
    "i want to {}",
)


def red_flag_sentences(kb: KnowledgeBase, per_rule: int = 600) -> list[str]:
    """What a person in trouble might say.

    Red-flag phrases are short; wrapped in everyday frames ("i have ...", "my ... is ...")
    and combined across a rule's groups, their words get the context they are said in.
    """
    texts: list[str] = []
    for rule in kb.triage:
        texts += [frame.format(phrase) for phrase in rule.any for frame in _FRAMES]
        for combo in itertools.islice(itertools.product(*rule.all), per_rule):
            words = " ".join(combo)
            first, _, rest = words.partition(" ")
            texts += [words, f"my {words}", f"i have {words}"]
            if rest:
                texts += [f"my {first} is {rest}", f"my {first} has {rest}"]
    return _with_contractions(texts)


# Content is written out in full ("can not breathe"), as the matcher reads it, but people
# say "can't": a model that only knows "can not" hears "can't talk" as "taken talk".
_CONTRACTED = tuple(
    (re.compile(rf"\b{full}\b"), short)
    for full, short in (
        ("can not", "can't"),
        ("cannot", "can't"),
        ("will not", "won't"),
        ("do not", "don't"),
        ("does not", "doesn't"),
        ("did not", "didn't"),
        ("is not", "isn't"),
        ("are not", "aren't"),
        ("could not", "couldn't"),
        ("i am", "i'm"),
        ("it is", "it's"),
        ("he is", "he's"),
        ("she is", "she's"),
        ("i have", "i've"),
        ("what is", "what's"),
    )
)


def _with_contractions(texts: Iterable[str]) -> list[str]:
    """Each sentence as written and, where it has any, with its contractions."""
    out: set[str] = set()
    for text in texts:
        full = spoken(text)
        if not full:
            continue
        out.add(full)
        short = full
        for pattern, contracted in _CONTRACTED:
            short = pattern.sub(contracted, short)
        out.add(short)
    return sorted(out)


def spoken(text: str) -> str:
    """Words as a recogniser writes them: lower case, no punctuation, numbers as words."""
    words = re.sub(r"[^a-z']+", " ", text.lower().replace("\u2019", "'")).split()
    return " ".join(w.strip("'") for w in words if w.strip("'"))


def build(sentences: list[str], cache_dir: Path, cmudict: Path) -> LanguageModel:
    """Build (or reuse from ``cache_dir``) a model of ``sentences`` plus everyday words."""
    everyday = everyday_words()
    digest = hashlib.sha256("\n".join([BUILD_VERSION, *sentences, *everyday]).encode()).hexdigest()[
        :16
    ]
    target = cache_dir / f"kb-{digest}"
    model = LanguageModel(target / "kb.lm", target / "kb.dict")
    if model.lm.is_file() and model.dictionary.is_file():
        _LOGGER.debug("Reusing language model %s", target)
        return model
    words = sorted({w for s in sentences for w in s.split()} | set(everyday))
    known = _lookup(cmudict, set(words))
    unknown = [w for w in words if w not in known]
    guessed = espeak_pronunciations(unknown)
    usable = set(known) | set(guessed)
    dropped = sorted(set(words) - usable)
    if dropped:
        _LOGGER.info("No pronunciation for %s; left out of the model", ", ".join(dropped))
    text = "\n".join(s for s in sentences if all(w in usable for w in s.split()))
    cache_dir.mkdir(parents=True, exist_ok=True)
    # A folder of its own: two assistants starting at once each build, and one wins.
    tmp = Path(tempfile.mkdtemp(prefix=f".kb-{digest}.", dir=cache_dir))
    try:
        (tmp / "everyday.txt").write_text("\n".join(w for w in everyday if w in usable))
        arpa = _arpa(text, tmp / "everyday.txt")
        (tmp / "kb.lm").write_text(arpa, encoding="utf-8")
        with (tmp / "kb.dict").open("w", encoding="utf-8") as out:
            for word in sorted(usable):
                for phones in known.get(word) or [guessed[word]]:
                    out.write(f"{word} {phones}\n")
        if not (model.lm.is_file() and model.dictionary.is_file()):
            shutil.rmtree(target, ignore_errors=True)  # an incomplete folder (files removed)
            tmp.rename(target)
    except OSError:
        if not (model.lm.is_file() and model.dictionary.is_file()):
            raise
        # Another process renamed the same model into place first: use that one.
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # left over on success, a race or Ctrl-C
    _LOGGER.debug("Built language model %s (%d words)", target, len(usable))
    return model


def _arpa(text: str, word_file: Path) -> str:
    from pocketsphinx.lm import ArpaBoLM

    builder = ArpaBoLM(text=text, add_start=True)
    builder.read_word_file(str(word_file), count=EVERYDAY_COUNT)
    builder.compute()
    out = io.StringIO()
    builder.write(out)
    return out.getvalue()


def _lookup(cmudict: Path, words: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    with cmudict.open(encoding="utf-8") as handle:
        for line in handle:
            head, _, phones = line.strip().partition(" ")
            word = head.split("(")[0]
            if word in words:
                found.setdefault(word, []).append(phones.strip())
    return found


def espeak_pronunciations(words: Iterable[str]) -> dict[str, str]:
    """CMUdict-style pronunciations from espeak-ng's phonemes; words it can't map are left out."""
    words = [w for w in words if re.fullmatch(r"[a-z']+", w)]
    if not words:
        return {}
    try:
        result = subprocess.run(
            ["espeak-ng", "-q", "-x", "-v", "en-us", "--sep=_"],
            input="\n".join(words),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as err:
        raise ModelError(f"espeak-ng is needed to build the speech model: {err}") from err
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    found: dict[str, str] = {}
    for word, line in zip(words, lines, strict=False):
        phones: list[str] = []
        for symbol in re.split(r"[_ ]+", line.replace("'", "").replace(",", "")):
            if not symbol:
                continue
            mapped = _ESPEAK_TO_CMU.get(symbol)
            if mapped is None:
                phones = []
                break
            for phone in mapped.split():
                if not phones or phones[-1] != phone:
                    phones.append(phone)
        if phones:
            found[word] = " ".join(phones)
    return found
