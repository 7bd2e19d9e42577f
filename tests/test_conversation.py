"""Multi-turn text conversations: disclaimer, clarification, commands."""

from __future__ import annotations

from voiceassist.assistant import Assistant, Conversation


def test_disclaimer_is_said_once_per_session(assistant: Assistant) -> None:
    conversation = Conversation(assistant)
    first = conversation.turn("can anxiety cause twitching")
    second = conversation.turn("what is cricopharyngeal spasm")
    assert first.text.endswith(
        "This is general information, not a diagnosis. In an emergency, call 911."
    )
    assert "not a diagnosis" not in second.text


def test_clarification_is_answered_by_number(assistant: Assistant) -> None:
    conversation = Conversation(assistant)
    question = conversation.turn("what causes spasms in my head")
    assert question.kind == "clarify"
    picked = conversation.turn("the second one")
    assert picked.kind == "answer" and picked.entry
    assert picked.entry.id == question.alternatives[1].id


def test_goodbye_ends_the_conversation(assistant: Assistant) -> None:
    conversation = Conversation(assistant)
    reply = conversation.turn("goodbye")
    assert reply.kind == "command" and conversation.finished


def test_repeat_says_the_last_reply_again(assistant: Assistant) -> None:
    conversation = Conversation(assistant)
    answer = conversation.turn("can anxiety cause twitching")
    again = conversation.turn("could you say that again")
    assert again.kind == "command" and again.parts == answer.parts


def test_a_red_flag_is_never_taken_for_a_command(assistant: Assistant) -> None:
    conversation = Conversation(assistant)
    reply = conversation.turn("stop, I can't breathe")
    assert reply.triage == "emergency" and reply.kind != "command"
