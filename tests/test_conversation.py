"""Multi-turn text conversations: disclaimer, clarification, commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiceassist.assistant import Assistant, Conversation
from voiceassist.config import Preferences

from .conftest import RunCli


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


SAID_AS = {
    "repeat": ["repeat", "say that again", "could you repeat that please"],
    "slower": ["slower", "a bit slower please", "slow down"],
    "faster": ["faster", "speak faster"],
    "louder": ["louder", "speak up please"],
    "quieter": ["quieter", "a bit quieter"],
    "stop": ["stop", "be quiet"],
    "more": ["more", "go on", "tell me more"],
    "back": ["back", "go back"],
    "help": ["help", "what can I ask"],
    "source": ["where is that from", "where does that come from"],
    "goodbye": ["goodbye", "bye"],
    "sounds_off": ["sounds off", "turn off the beeps please"],
    "sounds_on": ["sounds on", "turn the sounds on"],
}


@pytest.mark.parametrize(
    ("command", "text"), [(c, t) for c, texts in SAID_AS.items() for t in texts]
)
def test_commands_are_recognised_however_they_are_said(
    assistant: Assistant, command: str, text: str
) -> None:
    reply = Conversation(assistant).turn(text)
    assert reply.kind == "command" and reply.command == command


@pytest.mark.parametrize(
    "question",
    [
        "how do I stop muscle spasms in my head",
        "can you help with a neck spasm",
        "should I see a neurologist for muscle spasms",
    ],
)
def test_questions_with_command_words_stay_questions(assistant: Assistant, question: str) -> None:
    assert Conversation(assistant).turn(question).kind == "answer"


def test_slower_and_louder_change_and_report_the_settings(assistant: Assistant) -> None:
    saved: list[Preferences] = []
    conversation = Conversation(assistant, on_preferences=saved.append)
    assert conversation.turn("slower").text == "Speaking slower."
    conversation.turn("quieter")
    assert saved[-1].rate == 140 and saved[-1].volume == 0.8


def test_sounds_off_by_voice_turns_every_cue_off_and_is_saved(assistant: Assistant) -> None:
    saved: list[Preferences] = []
    conversation = Conversation(assistant, on_preferences=saved.append)
    conversation.turn("turn off the sounds")
    assert not any(saved[-1].cue_on(cue) for cue in ("listening", "stopped", "error"))
    conversation.turn("sounds on")
    assert all(saved[-1].cue_on(cue) for cue in ("listening", "stopped", "error"))


def test_more_and_back_move_through_the_parts_of_an_answer(assistant: Assistant) -> None:
    conversation = Conversation(assistant)
    answer = conversation.turn("can anxiety cause twitching")
    entry = assistant.kb.entry("anxiety-twitching")
    assert answer.parts[:2] == (entry.answer, assistant.fill(entry.escalation))
    assert conversation.turn("more").text.startswith("That answer is based on Mental Health")
    assert conversation.turn("more").text.startswith("That is everything I have")
    assert conversation.turn("back").text == assistant.fill(entry.escalation)
    assert conversation.turn("back").text == entry.answer


def test_where_is_that_from_names_sources_and_review_date(assistant: Assistant) -> None:
    conversation = Conversation(assistant)
    conversation.turn("what is cricopharyngeal spasm")
    reply = conversation.turn("where is that from")
    assert reply.text == (
        "That answer is based on BMJ, Cleveland Clinic and NHS. It was "
        "reviewed on 26 November 2026."
    )


def test_help_lists_every_topic_briefly(assistant: Assistant) -> None:
    reply = Conversation(assistant).turn("what can I ask")
    assert all(entry.topic in reply.text for entry in assistant.kb.entries)


def test_clarification_is_answered_by_restating(assistant: Assistant) -> None:
    conversation = Conversation(assistant)
    question = conversation.turn("what causes spasms in my head")
    assert question.kind == "clarify"
    chosen = conversation.turn("spasms on one side of the face")
    assert chosen.kind == "answer" and chosen.entry and chosen.entry.id == "hemifacial-spasm"


def test_anything_else_after_a_clarifying_question_is_a_new_question(
    assistant: Assistant,
) -> None:
    conversation = Conversation(assistant)
    conversation.turn("what causes spasms in my head")
    reply = conversation.turn("what is cricopharyngeal spasm")
    assert reply.entry and reply.entry.id == "cricopharyngeal-spasm"


def test_read_back_can_be_turned_off(assistant: Assistant) -> None:
    question = "one half of my face keeps jerking, what is the reason"
    quiet = Conversation(assistant, preferences=Preferences(read_back=False)).turn(question)
    assert quiet.kind == "answer" and not quiet.text.startswith("You asked about")


def test_a_red_flag_mid_conversation_comes_first(assistant: Assistant) -> None:
    conversation = Conversation(assistant)
    conversation.turn("can anxiety cause twitching")
    reply = conversation.turn("now I have the worst headache of my life")
    assert reply.triage == "emergency"
    assert reply.text.startswith("A sudden, very bad headache")
    assert conversation.turn("repeat").text == reply.text


def test_settings_changed_by_voice_persist_across_runs(run_cli: RunCli, tmp_path: Path) -> None:
    env = {"VOICEASSIST_CONFIG": str(tmp_path / "config.yaml")}
    run_cli("text", stdin="slower\nslower\nquieter\ngoodbye\n", env=env)
    shown = run_cli("config", "show", env=env).stdout
    assert "rate: 110" in shown and "volume: 0.8" in shown
    run_cli("config", "set", "region", "uk", env=env)
    assert "999" in run_cli("ask", "I want to end my life", env=env).stdout


def test_listening_settings_are_saved_and_checked(run_cli: RunCli, tmp_path: Path) -> None:
    env = {"VOICEASSIST_CONFIG": str(tmp_path / "config.yaml")}
    run_cli("config", "set", "listen", "wake", env=env)
    run_cli("config", "set", "wake_phrase", "okay health helper", env=env)
    run_cli("config", "set", "quiet_timeout", "60", env=env)
    shown = run_cli("config", "show", env=env).stdout
    assert "listen: wake" in shown and "wake_phrase: okay health helper" in shown
    assert "quiet_timeout: 60" in shown
    bad = run_cli("config", "set", "listen", "sometimes", env=env)
    assert bad.returncode == 1
    assert (
        bad.stderr.strip()
        == "voiceassist: listen must be one of always, wake, key, not 'sometimes'"
    )


def test_a_broken_settings_file_is_one_clear_line(run_cli: RunCli, tmp_path: Path) -> None:
    config_file = tmp_path / "config.yaml"
    config_file.write_text("rate: 170\ncolour: blue\n")
    result = run_cli("ask", "hello", env={"VOICEASSIST_CONFIG": str(config_file)})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"voiceassist: {config_file}: unknown setting(s): colour; "
        "known: rate, volume, voice, region, read_back, cues, cue_listening, cue_stopped, "
        "cue_error, barge_in, listen, wake_phrase, quiet_timeout"
    )


def test_a_red_flag_in_another_hypothesis_keeps_goodbye_from_ending_the_conversation(
    assistant: Assistant,
) -> None:
    conversation = Conversation(assistant)
    reply = conversation.turn("goodbye", alternatives=["my face is drooping"])
    assert reply.triage == "emergency" and reply.text.startswith("A drooping or weak face")
    assert not conversation.finished


def test_a_misheard_command_is_taken_from_another_hypothesis(assistant: Assistant) -> None:
    # espeak-ng's "goodbye" is heard as "i", with "goodbye" the recogniser's next guess.
    conversation = Conversation(assistant)
    reply = conversation.turn("i", alternatives=["goodbye", "bye"], heard=True)
    assert reply.command == "goodbye" and conversation.finished


def test_a_question_heard_best_is_not_taken_for_a_command_in_another_hypothesis(
    assistant: Assistant,
) -> None:
    conversation = Conversation(assistant)
    reply = conversation.turn("can anxiety cause twitching", alternatives=["repeat"], heard=True)
    assert reply.kind == "answer" and reply.entry and reply.entry.id == "anxiety-twitching"


def test_stop_confirms_in_one_word(assistant: Assistant) -> None:
    reply = Conversation(assistant).turn("be quiet")
    assert reply.command == "stop" and reply.text == "Stopped."


def offered(conversation: Conversation) -> None:
    question = conversation.turn("what do i take for spasms in my dead", heard=True)
    assert question.kind == "clarify" and len(question.alternatives) == 1


@pytest.mark.parametrize("said", ["yes", "yes please", "that's right", "yeah"])
def test_yes_to_did_you_mean_gives_that_answer(assistant: Assistant, said: str) -> None:
    conversation = Conversation(assistant)
    offered(conversation)
    reply = conversation.turn(said, heard=True)
    assert reply.kind == "answer" and reply.entry and reply.entry.id == "head-spasm-self-care"
    assert not reply.text.startswith("You asked about")  # the user has just said so


# "no thanks" is often heard as "no" and a stray word ("no saggy").
@pytest.mark.parametrize("said", ["no", "no saggy", "something else"])
def test_no_to_did_you_mean_asks_again_briefly(assistant: Assistant, said: str) -> None:
    conversation = Conversation(assistant)
    offered(conversation)
    reply = conversation.turn(said, heard=True)
    assert reply.kind == "unknown" and reply.text == "Sorry. Please ask again in other words."
    assert conversation.turn("yes", heard=True).kind == "unknown"  # nothing is waiting now


def test_nothing_heard_keeps_did_you_mean_waiting(assistant: Assistant) -> None:
    conversation = Conversation(assistant)
    offered(conversation)
    conversation.turn("", heard=True)
    reply = conversation.turn("yes", heard=True)
    assert reply.kind == "answer" and reply.entry and reply.entry.id == "head-spasm-self-care"


def test_a_new_question_instead_of_yes_is_answered(assistant: Assistant) -> None:
    conversation = Conversation(assistant)
    offered(conversation)
    reply = conversation.turn("what is cricopharyngeal spasm", heard=True)
    assert reply.entry and reply.entry.id == "cricopharyngeal-spasm"


def test_yes_to_a_choice_of_two_asks_which_one(assistant: Assistant) -> None:
    conversation = Conversation(assistant)
    assert conversation.turn("what causes spasms in my head").kind == "clarify"
    assert conversation.turn("yes").text == "Please say the first one or the second one."
    picked = conversation.turn("the first one")
    assert picked.kind == "answer"
