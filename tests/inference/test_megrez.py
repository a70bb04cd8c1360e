"""The function-call parser on streamed Megrez output: markers split anywhere, broken calls, plain text."""

from __future__ import annotations

import pytest

from inference.megrez import (
    FUNCTION_END,
    FUNCTION_START,
    TURN_END,
    FunctionCall,
    FunctionCallError,
    FunctionCallParser,
    TextDelta,
    parse_reply,
)

ALLOWED = {"search"}
CALL_JSON = '{"name": "search", "arguments": {"query": "weather in <Paris> today"}}'
REPLY = f"Let me look that up. {FUNCTION_START}{CALL_JSON}{FUNCTION_END} One moment.{TURN_END}"


def run(chunks: list[str], allowed: set[str] = ALLOWED) -> list:
    parser = FunctionCallParser(allowed)
    events = []
    for chunk in chunks:
        events += parser.feed(chunk)
    return events + parser.close()


def text_of(events: list) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def calls_of(events: list) -> list[FunctionCall]:
    return [e for e in events if isinstance(e, FunctionCall)]


def errors_of(events: list) -> list[FunctionCallError]:
    return [e for e in events if isinstance(e, FunctionCallError)]


def test_a_call_in_one_chunk_is_parsed_with_the_text_around_it():
    events = run([REPLY])
    assert calls_of(events) == [FunctionCall(name="search", arguments={"query": "weather in <Paris> today"})]
    assert text_of(events) == "Let me look that up.  One moment."
    assert errors_of(events) == []


@pytest.mark.parametrize("cut", range(1, len(REPLY)))
def test_split_in_two_at_every_position_gives_the_same_result(cut):
    events = run([REPLY[:cut], REPLY[cut:]])
    assert calls_of(events) == [FunctionCall(name="search", arguments={"query": "weather in <Paris> today"})]
    assert text_of(events) == "Let me look that up.  One moment."
    assert errors_of(events) == []


def test_one_character_chunks_give_the_same_result_and_text_comes_before_the_call():
    events = run(list(REPLY))
    assert len(calls_of(events)) == 1
    assert text_of(events) == "Let me look that up.  One moment."
    call_at = events.index(calls_of(events)[0])
    assert text_of(events[:call_at]) == "Let me look that up. "


def test_text_is_released_as_soon_as_it_cannot_be_a_marker():
    parser = FunctionCallParser(ALLOWED)
    assert text_of(parser.feed("Hello <|funct")) == "Hello "  # the possible marker is held back
    assert text_of(parser.feed("ional programming")) == "<|functional programming"


@pytest.mark.parametrize(
    "text",
    ["a < b and c <| d", "x <", "ends with <|", "emoji <|😀|> and <|Upper|>", "html <b>bold</b>", "a <|b c|> d", ""],
)
def test_plain_text_passes_through_unchanged(text):
    assert text_of(run(list(text))) == text
    assert text_of(run([text])) == text
    assert calls_of(run([text])) == [] and errors_of(run([text])) == []


def test_special_tokens_are_stripped_from_text():
    events = run(["<|role_start|>assistant<|role_end|>Hi", " there", TURN_END])
    assert text_of(events) == "assistantHi there"


def test_malformed_json_is_an_error_event_and_the_text_continues():
    events = run(
        [f"before {FUNCTION_START}" + '{"name": "search", "arguments": {"query": "x"' + f"{FUNCTION_END} after"]
    )
    assert calls_of(events) == []
    [error] = errors_of(events)
    assert "malformed JSON" in error.reason
    assert '"query": "x"' in error.raw
    assert text_of(events) == "before  after"


def test_an_unknown_function_name_is_an_error_event_naming_it():
    events = run([f"{FUNCTION_START}" + '{"name": "delete_files", "arguments": {}}' + FUNCTION_END])
    assert calls_of(events) == []
    [error] = errors_of(events)
    assert "delete_files" in error.reason and "search" in error.reason


def test_an_unterminated_call_is_parsed_at_close_when_its_json_is_complete():
    events = run([f"{FUNCTION_START}{CALL_JSON[:20]}", CALL_JSON[20:], "<|function_e"])
    assert calls_of(events) == [FunctionCall(name="search", arguments={"query": "weather in <Paris> today"})]


def test_an_unterminated_call_with_incomplete_json_is_an_error_event():
    events = run([f"{FUNCTION_START}" + '{"name": "search", "argu'])
    [error] = errors_of(events)
    assert "unterminated" in error.reason
    assert calls_of(events) == []


def test_turn_end_closes_a_call_that_forgot_its_end_marker():
    events = run([f"{FUNCTION_START}{CALL_JSON}{TURN_END}"])
    assert len(calls_of(events)) == 1 and errors_of(events) == []


def test_arguments_given_as_a_json_string_are_accepted():
    call = '{"name": "search", "arguments": "{\\"query\\": \\"rust 2024\\"}"}'
    events = run([f"{FUNCTION_START}{call}{FUNCTION_END}"])
    assert calls_of(events) == [FunctionCall(name="search", arguments={"query": "rust 2024"})]


def test_a_json_object_that_is_not_a_call_is_an_error_event():
    events = run([f"{FUNCTION_START}[1, 2]{FUNCTION_END}", f'{FUNCTION_START}{{"arguments": {{}}}}{FUNCTION_END}'])
    assert [e.reason for e in errors_of(events)] == [
        "no JSON object in the function call",
        "the function call has no name",
    ]


def test_parse_reply_returns_text_call_and_error():
    text, call, error = parse_reply(REPLY, ALLOWED)
    assert (text, call, error) == (
        "Let me look that up.  One moment.",
        FunctionCall(name="search", arguments={"query": "weather in <Paris> today"}),
        None,
    )
    text, call, error = parse_reply(f"Sure.{FUNCTION_START}not json{FUNCTION_END}", ALLOWED)
    assert text == "Sure." and call is None and error is not None
    assert parse_reply("Just an answer [citation:1].", ALLOWED) == ("Just an answer [citation:1].", None, None)


def test_render_chat_is_megrez_template():
    from inference.base import Message
    from inference.megrez import render_chat

    text = render_chat([Message(role="system", content="S"), Message(role="user", content="你好")])
    assert text == (
        "<|role_start|>system<|role_end|>S<|turn_end|>"
        "<|role_start|>user<|role_end|>你好<|turn_end|>"
        "<|role_start|>assistant<|role_end|>"
    )
