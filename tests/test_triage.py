"""Red flags are caught whatever else is said, and ordinary questions raise none."""

from __future__ import annotations

import pytest

from voiceassist.assistant import Assistant
from voiceassist.content import KnowledgeBase

# Written for these tests; the held-out eval set has its own.
RED_FLAGS = {
    "emergency": [
        "my face has gone droopy on the left",
        "my grandad cannot lift his arm and his smile is lopsided",
        "I think my mum had a mini stroke",
        "sudden loss of sight in one eye",
        "the worst headache I have ever had came on suddenly",
        "fever and a stiff neck with a headache",
        "I fell down the stairs, hit my head and I am confused",
        "she is fitting",
        "I am choking",
        "my chest hurts",
        "one whole side of my body is numb",
        "I had a car crash and my neck hurts",
        "he is shaking all over",
        "I can hardly catch my breath",
        "his words are all muddled",
        "it went black in one eye",
        # Found by asking new phrasings after the rules were written; each was missed.
        "he is talking gibberish all of a sudden",
        "I suddenly forgot who my family are",
        "I can't feel my face",
        "I think I'm having an allergic reaction and my tongue is swelling",
        "grandpa's mouth is pulled down on one side",
        "I can't raise my right arm above my head",
        "her speech went funny for ten minutes then came back",
        "I'm seeing two of everything",
        "I keep losing my balance and walking into walls",
        "my toddler has a fever and purple spots",
        "half my face stopped working overnight",
        "she suddenly can't understand anything I say",
        "my dad is jerking and foaming at the mouth",
        "my face has been getting weaker since this morning",
        "sudden agonising pain at the back of my head",
        "I have pins and needles in my groin and bottom",
        "something is stuck in his throat and he can't cough it out",
        "I came off my bike and now my neck hurts badly and my hands are tingling",
        "I am seeing double",
        # A synonym for "see a doctor" tried here folded "see the" away, and this went unheard.
        "all of a sudden I can't see the left side of things",
        "my baby has a temperature and a blotchy rash that won't go away when I press it",
        "I've got a raging headache and my neck is stiff",
        "my mum just went rigid and started jerking",
        "I can barely get any air in",
        "I lost all feeling down my right side",
    ],
    "crisis": [
        "I want to kill myself",
        "I have been self harming",
        "I took too many pills on purpose",
        "I don't see the point in living anymore",
        "I keep thinking about ending it",
        "I'm going to jump off a bridge",
        "nobody would miss me if I was gone",
        "I cut my wrists",
        "I feel like ending everything",
        "I keep burning myself on purpose",
        "I don't want to be around anymore",
        "I've been saving up my tablets to take them all at once",
        "I think everyone would be happier if I wasn't here",
        "I want to end it",
    ],
    "urgent": [
        "I cannot close my eye since this morning",
        "I am having trouble swallowing",
        "my calf is swollen and red",
        "my temple is tender and it hurts when I chew",
        "I've lost a lot of weight and food sticks in my throat",
        "liquids come back up through my nose",
        "headache so bad I'm being sick and light hurts",
        "it hurts to chew and my scalp is tender when I brush my hair",
    ],
}


@pytest.mark.parametrize(
    ("level", "text"), [(level, text) for level, texts in RED_FLAGS.items() for text in texts]
)
def test_red_flag_is_caught_at_its_level(assistant: Assistant, level: str, text: str) -> None:
    result = assistant.triage.check(text)
    assert result is not None
    assert result.level == level or (level == "urgent" and result.level == "emergency")


def test_word_order_and_filler_do_not_hide_a_red_flag(assistant: Assistant) -> None:
    result = assistant.triage.check("um drooping, uh, my face is, you know, sort of drooping")
    assert result is not None and result.level == "emergency"


def test_recogniser_typos_do_not_hide_a_red_flag(assistant: Assistant) -> None:
    for misheard in (
        "i cant breeth",
        "my face is droopin",
        "i want to kill my self",
        "i feel sue icidal",
    ):
        result = assistant.triage.check(misheard)
        assert result is not None, misheard


def test_no_content_question_or_phrasing_raises_an_emergency(
    assistant: Assistant, kb: KnowledgeBase
) -> None:
    for entry in kb.entries:
        for text in (entry.question, *entry.phrasings):
            result = assistant.triage.check(text)
            assert result is None or result.level == "urgent", (text, result)


def test_a_red_flag_the_recogniser_was_unsure_of_still_escalates(assistant: Assistant) -> None:
    # Confidence only weighs words for finding a question; a red flag half-heard counts.
    reply = assistant.ask("i can't breathe", heard=True, confidence=(0.01, 0.01, 0.01))
    assert reply.triage == "emergency"


def test_red_flag_advice_comes_first_even_with_an_answer(assistant: Assistant) -> None:
    reply = assistant.ask("why is the side of my head spasming, and now my face is drooping")
    assert reply.triage == "emergency"
    assert reply.kind == "answer" and reply.entry and reply.entry.id == "hemifacial-spasm"
    assert reply.text.startswith("A drooping or weak face")
    assert "Call 911 now" in reply.parts[0]


def test_most_urgent_advice_is_said_first(assistant: Assistant) -> None:
    reply = assistant.ask("my calf is swollen and I cannot breathe")
    assert reply.triage == "emergency"
    assert "breathing" in reply.parts[0].lower()


def test_red_flag_in_any_recogniser_hypothesis_escalates(assistant: Assistant) -> None:
    reply = assistant.ask("my face is dripping", alternatives=["my face is drooping"])
    assert reply.triage == "emergency"


def _deeper(flagged: int) -> list[str]:
    """Hypotheses far down the recogniser's list, ``flagged`` of them with a red flag."""
    ordinary = [f"my face is twitching {word}" for word in ("a", "the", "is", "at", "in")]
    flags = ["my face is drooping", "my face it drooping", "my face drooping", "face drooping"]
    return [*flags[:flagged], *ordinary]


def test_a_red_flag_the_recogniser_keeps_hearing_further_down_escalates(
    assistant: Assistant,
) -> None:
    reply = assistant.ask("my face is twitching", heard=True, deeper=_deeper(4))
    assert reply.triage == "emergency"


def test_a_red_flag_heard_once_far_down_the_hypotheses_is_not_acted_on(
    assistant: Assistant,
) -> None:
    # One unlikely hypothesis alone is too often noise (emergency advice for "how do I
    # make a cup of tea"); the question is answered instead.
    reply = assistant.ask("my face is twitching", heard=True, deeper=_deeper(1))
    assert reply.triage is None and reply.kind != "unknown"


def test_one_misheard_word_far_down_the_hypotheses_raises_no_alarm(
    assistant: Assistant,
) -> None:
    # "should I go to a neurologist about my spasms" once got choking advice this way.
    deeper = [
        "bye choked a neurologist about my spasms",
        "bye choked a neurologist about my spasms is",
        "short choked a neurologist about my spasms",
        "i choked a neurologist about my spasms",
    ]
    reply = assistant.ask("bye don't a neurologist about my spasms", heard=True, deeper=deeper)
    assert reply.triage is None


def test_a_flag_only_one_deeper_hypothesis_holds_is_not_added_to_others(
    assistant: Assistant,
) -> None:
    # Heard from "why does it feel like food is stuck at the top of my throat": the
    # swallowing advice is right, emergency advice for chest pain would not be.
    deeper = [
        "food is stuck at the top does my throat",
        "food is stuck out the top of my throat",
        "it food is stuck at the top of my throat",
        "food is stuck test the top of my throat",
        "food is tight chest the top of my throat",
    ]
    reply = assistant.ask("why does it feel like food is in my throat", heard=True, deeper=deeper)
    assert reply.triage == "urgent"


def test_a_red_flag_only_in_another_hypothesis_is_said_when_the_best_one_is_empty(
    assistant: Assistant,
) -> None:
    reply = assistant.ask("", alternatives=["i can not breathe"])
    assert reply.triage == "emergency" and "breathing" in reply.text.lower()


@pytest.mark.parametrize("text", ["I have a rash on my arm", "I woke up with a stiff neck"])
def test_one_sign_of_meningitis_alone_is_not_an_emergency(assistant: Assistant, text: str) -> None:
    # Meningitis needs two signs together (a fever with a stiff neck, a rash with a headache).
    assert assistant.triage.check(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "I can't find the words to describe the feeling in my head",
        "food sticks to my teeth",
        "I can't hold my hand still because of the twitching",
        "what does it mean when my face feels twisted",
        "my spasms are getting weaker",
        "I can not understand why my face twitches",
        "I burned myself cooking",
        "the rash fades when I press a glass on it",
        "I lost feeling in my fingers in the cold",
    ],
)
def test_everyday_uses_of_red_flag_words_raise_nothing(assistant: Assistant, text: str) -> None:
    # "can't find my words" is a stroke sign, and food sticking in the throat needs a doctor.
    assert assistant.triage.check(text) is None
