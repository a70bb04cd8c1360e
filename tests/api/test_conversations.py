"""Whose a conversation is and which ids a caller may name: the rules every surface runs
(api/conversations.py); the surfaces' own tests show them at work over HTTP, MCP and Slack."""

from __future__ import annotations

import re

import pytest

from agent.settings import Settings
from api.conversations import CONVERSATION_ID, key_scope, new_key, reachable, slack_thread
from api.errors import APIError


def settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


def test_each_key_has_a_scope_of_its_own_and_an_open_server_none():
    keys = ["alpha-key", "beta-key"]
    assert key_scope([], "alpha-key") == ""
    assert key_scope(keys, "alpha-key") != key_scope(keys, "beta-key")
    assert "alpha-key" not in key_scope(keys, "alpha-key")  # a digest, never the key itself


def test_new_conversations_get_ids_nobody_chose_within_the_callers_scope():
    first, second = new_key("k1:"), new_key("k1:")
    assert first != second and first.startswith("k1:") and second.startswith("k1:")
    assert re.fullmatch(CONVERSATION_ID, first.removeprefix("k1:"))


def test_a_slack_thread_is_one_conversation_whose_id_a_client_could_send():
    thread = slack_thread("T1", "C2", "1700000000.000100")
    assert thread == "slack:T1:C2:1700000000.000100" and re.fullmatch(CONVERSATION_ID, thread)


def test_a_slack_threads_id_reaches_nothing_over_the_api_unless_the_operator_opts_in():
    thread = slack_thread("T1", "C2", "1700000000.000100")
    with pytest.raises(APIError) as refused:
        reachable(settings(), "", thread)
    assert refused.value.status == 404 and refused.value.code == "conversation_not_found"
    assert reachable(settings(slack_threads_over_rest=True), "", thread) == thread
    assert reachable(settings(), "k1:", "abc") == "k1:abc"  # any other id: within the caller's scope
