"""The matcher answers, asks which was meant, or says it does not know."""

from __future__ import annotations

import pytest

from voiceassist.assistant import Assistant
from voiceassist.content import KnowledgeBase
from voiceassist.evaluate import load_cases
from voiceassist.matcher import Matcher
from voiceassist.settings import MatchSettings
from voiceassist.text import Analyzer, normalize

from .conftest import DATA

INLINE = """\
entries:
  - id: eye-twitch
    question: Why does my eye twitch?
    topic: eye twitching
    phrasings: [eye twitching, twitchy eye, my eyelid jumps, eye keeps flickering,
                why is my eye twitching, eye spasms, twitch under my eye, my eye flutters]
    answer: Often tiredness.
    escalation: See a doctor if it lasts.
    sources: [{organisation: NHS, title: Twitching, url: "https://www.nhs.uk/conditions/twitching/"}]
    reviewed: 2026-11-26
  - id: eye-itch
    question: Why does my eye itch?
    topic: itchy eyes
    phrasings: [itchy eyes, eye itching, my eyes itch, why are my eyes itchy, eye feels itchy,
                scratchy eyes, itchy eyelids, my eye is itchy]
    answer: Often allergies.
    escalation: See a doctor if it lasts.
    sources: [{organisation: NHS, title: Itchy eyes, url: "https://www.nhs.uk/"}]
    reviewed: 2026-11-26
synonyms:
  - [twitch, twitching, twitchy, jumps, flickering, flutters, spasms]
"""


def inline_matcher(**settings: float) -> Matcher:
    kb = KnowledgeBase.from_yaml(INLINE)
    return Matcher(kb, Analyzer(kb.synonyms), MatchSettings(**settings))


def test_every_seed_question_is_answered_with_its_own_entry(
    assistant: Assistant, kb: KnowledgeBase
) -> None:
    for entry in kb.entries:
        result = assistant.matcher.match(entry.question)
        assert result.kind == "answer" and result.best and result.best.entry.id == entry.id


def test_scalp_question_from_the_issue_gets_the_scalp_answer(assistant: Assistant) -> None:
    reply = assistant.ask("what causes muscle spasms in my scalp")
    assert reply.kind == "answer" and reply.entry and reply.entry.id == "scalp-spasm-causes"
    assert reply.text.startswith("Tension headaches happen")


def test_off_topic_question_sharing_words_is_unknown(assistant: Assistant) -> None:
    assert assistant.matcher.match("what causes an itchy scalp").kind == "unknown"


@pytest.mark.parametrize(
    "question",
    [
        # "nerves" once sat among the anxiety words, and stems made every "nerve" anxiety.
        "can a nerve problem cause twitching",
        # "worry about" asks whether something is serious.
        "when should i worry about twitching",
    ],
)
def test_words_that_only_sometimes_mean_anxiety_do_not_get_the_anxiety_answer(
    assistant: Assistant, question: str
) -> None:
    reply = assistant.ask(question)
    assert not (reply.entry and reply.entry.id == "anxiety-twitching"), reply.text


def test_unknown_reply_says_what_it_can_answer(assistant: Assistant) -> None:
    reply = assistant.ask("how do I bake bread")
    assert reply.kind == "unknown"
    assert reply.text.startswith("I don't have an answer for that.")
    assert "cricopharyngeal spasm" in reply.text


def test_british_spelling_finds_the_american_entry(assistant: Assistant) -> None:
    result = assistant.matcher.match("can a brain tumour give you facial twitching")
    assert result.best and result.best.entry.id == "tumor-facial-twitching"


def test_split_and_misspelt_hard_word_is_still_found(assistant: Assistant) -> None:
    for heard in ("what is crico faringeal spasm", "what is krikofaringeal spasm"):
        result = assistant.matcher.match(heard)
        assert result.kind == "answer", heard
        assert result.best and result.best.entry.id == "cricopharyngeal-spasm"


def test_a_phrase_close_to_two_entries_asks_which(assistant: Assistant) -> None:
    reply = assistant.ask("what causes spasms in my head")
    assert reply.kind == "clarify"
    assert reply.text.startswith("Did you mean 1,") and ", or 2," in reply.text
    assert len(reply.alternatives) == 2


def test_synonyms_from_content_are_used() -> None:
    result = inline_matcher().match("my eye keeps jumping")
    assert result.kind == "answer" and result.best and result.best.entry.id == "eye-twitch"


# "What can I take for a spasm in my head", misheard: one entry stands out, but weakly.
MISHEARD = "what do i take for spasms in my dead"


def test_a_weak_clear_match_of_heard_words_is_offered_back(assistant: Assistant) -> None:
    reply = assistant.ask(MISHEARD, heard=True)
    assert reply.kind == "clarify"
    assert [a.id for a in reply.alternatives] == ["head-spasm-self-care"]
    assert reply.text.startswith("I may not have heard that right. Did you mean ")


def test_the_same_words_typed_are_not_offered_back(assistant: Assistant) -> None:
    # Typed words are what was meant: a weak match is a question it cannot answer.
    assert assistant.ask(MISHEARD).kind == "unknown"


# "My anxiety makes me twitch, is that normal?" as PocketSphinx heard it, with how sure it
# was of each word: the question's words clear, the rest guesses.
HEARD_WITH_GUESSES = "my anxiety make ate all ate is at the arm all"
SURE = (0.9, 1.0, 1.0, 0.05, 0.1, 0.05, 1.0, 0.4, 0.2, 0.05, 0.1)


def test_words_the_recogniser_was_unsure_of_count_less(assistant: Assistant) -> None:
    reply = assistant.ask(HEARD_WITH_GUESSES, heard=True, confidence=SURE)
    assert [a.id for a in reply.alternatives] == ["anxiety-twitching"]
    assert reply.text.startswith("I may not have heard that right. Did you mean ")


def test_the_same_words_heard_clearly_are_not_offered_back(assistant: Assistant) -> None:
    # "ate", "arm": heard for sure, they are part of the question, and it is about
    # something the knowledge base does not cover.
    sure = (1.0,) * len(HEARD_WITH_GUESSES.split())
    assert assistant.ask(HEARD_WITH_GUESSES, heard=True, confidence=sure).kind == "unknown"


def test_heard_words_matching_nothing_well_are_still_unknown(assistant: Assistant) -> None:
    assert assistant.ask("how do i fix a flat tyre", heard=True).kind == "unknown"


def test_thresholds_come_from_settings() -> None:
    strict = inline_matcher(answer_threshold=0.99, clarify_threshold=0.99, confident_threshold=1)
    assert strict.match("twitching eye at night").kind == "unknown"
    assert inline_matcher().match("twitching eye at night").kind == "answer"


def test_medium_confidence_answer_is_read_back_first(assistant: Assistant) -> None:
    reply = assistant.ask("one half of my face keeps jerking, what is the reason")
    assert reply.kind == "answer"
    assert reply.text.startswith("You asked about spasms on one side of the face")


@pytest.mark.parametrize(
    "question",
    [
        # A word another entry uses: headaches are the scalp entry's.
        "when should I see a neurologist about headaches",
        # Parts of the body the answer never mentions.
        "can anxiety cause stomach cramps",
        "how do I stop a muscle spasm in my leg",
        "what makes the side of my tongue twitch",
    ],
)
def test_a_question_about_something_the_answer_never_mentions_is_not_answered_as_certain(
    assistant: Assistant, question: str
) -> None:
    reply = assistant.ask(question)
    assert reply.kind != "answer" or reply.text.startswith("You asked about"), reply.text


@pytest.mark.parametrize(
    "question",
    [
        "how do I stop a muscle spasm in my neck",
        "should I see a neurologist about my muscle spasms",
    ],
)
def test_a_question_the_answer_covers_is_answered_without_a_read_back(
    assistant: Assistant, question: str
) -> None:
    reply = assistant.ask(question)
    assert reply.kind == "answer" and not reply.text.startswith("You asked about"), reply.text


def test_normalisation_expands_contractions_and_number_words() -> None:
    assert normalize("I can't BREATHE… for two days!") == "i can not breathe for 2 days"


def test_large_knowledge_bases_rank_exactly_as_small_ones(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Knowledge bases of VECTORISE_FROM phrasings and more are scored with numpy; a user
    # adding entries past that line must get the same answers, "did you mean"s and ties.
    from voiceassist import matcher as module

    cases = load_cases(DATA / "eval.yaml")
    paraphrases, off_topic = cases["paraphrases"], cases["off_topic"]
    assert isinstance(paraphrases, dict) and isinstance(off_topic, list)
    questions = [q for qs in paraphrases.values() for q in qs]
    questions += [*off_topic, "muscles pas ms in the scalp", "xyzzy"]
    analyzer = Analyzer(kb.synonyms)
    monkeypatch.setattr(module, "VECTORISE_FROM", 10**9)
    plain = Matcher(kb, analyzer, MatchSettings())
    monkeypatch.setattr(module, "VECTORISE_FROM", 0)
    vectorised = Matcher(kb, analyzer, MatchSettings())
    assert plain._vectors is None and vectorised._vectors is not None
    for question in questions:
        assert plain.scores(question) == vectorised.scores(question), question
