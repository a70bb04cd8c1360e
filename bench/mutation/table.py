"""The table: each critical module's files (with the functions mutated) and the small test selection
run against each of its mutants."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The project's own packages: a forked child drops them all and imports them again around the mutant
# (a package left cached, such as testkit, would keep references to the unmutated modules).
PROJECT = ("agent", "search", "inference", "prompts", "api", "core", "testkit", "tests")


@dataclass
class Module:
    """One row of the table: files (each with the functions mutated, None = all) and the tests run."""

    files: dict[str, list[str] | None]
    tests: list[str]
    note: str = ""
    # Parse workers fork from the mutant's process (not from a fork server that imports the files on
    # disk): for a module whose code also runs in the workers (extraction, the workers' own loop).
    fork_workers: bool = False


MODULES: dict[str, Module] = {
    "address": Module(
        {"search/address.py": None},
        [
            "tests/search/test_address.py",
            "tests/search/test_fetch.py::test_non_public_addresses_are_named",
            "tests/search/test_fetch.py::test_public_addresses_pass",
            "tests/search/test_fetch.py::test_numeric_spellings_mean_addresses",
            "tests/search/test_fetch.py::test_names_are_not_numbers",
            "tests/search/test_fetch.py::test_broken_numeric_hosts_are_refused",
            "tests/search/test_fetch.py::test_allow_entries_parse_with_and_without_port",
            "tests/search/test_fetch.py::test_private_and_odd_urls_refused",
            "tests/search/test_fetch.py::test_more_refused_urls",
            "tests/search/test_fetch.py::test_a_name_resolving_to_a_private_address_is_refused",
            "tests/search/test_fetch.py::test_the_checked_address_is_the_one_connected_to",
        ],
        "the address policy",
    ),
    "fetch-redirects": Module(
        {"search/fetch.py": ["Fetcher._fetch", "Fetcher.check", "Fetcher._is_allowed", "Fetcher._forget_cookies"]},
        [
            "tests/search/test_address.py",
            "tests/search/test_fetch.py::test_fetches_an_allowed_local_page",
            "tests/search/test_fetch.py::test_loopback_refused_without_allow_list",
            "tests/search/test_fetch.py::test_allow_list_is_per_port",
            "tests/search/test_fetch.py::test_private_and_odd_urls_refused",
            "tests/search/test_fetch.py::test_redirects_followed_and_rechecked",
            "tests/search/test_fetch.py::test_more_refused_urls",
            "tests/search/test_fetch.py::test_numeric_spellings_of_an_allowed_address_are_not_allowed",
            "tests/search/test_fetch.py::test_every_redirect_hop_is_checked",
            "tests/search/test_fetch.py::test_allow_list_port_is_exact_even_after_a_redirect",
            "tests/search/test_fetch.py::test_redirects_are_bounded",
            "tests/search/test_fetch.py::test_a_name_resolving_to_a_private_address_is_refused",
            "tests/search/test_fetch.py::test_the_checked_address_is_the_one_connected_to",
            "tests/search/test_fetch.py::test_https_keeps_the_name_for_sni_and_connects_to_the_checked_address",
            "tests/search/test_fetch.py::test_an_allowed_name_is_allowed_on_its_port_only",
            "tests/search/test_fetch.py::test_request_headers_look_like_a_browser_and_carry_no_cookies",
            "tests/search/test_fetch.py::test_unresolvable_host_is_an_error_not_an_exception",
            "tests/search/test_fetch.py::test_malformed_url_is_an_error",
            "tests/search/test_fetch.py::test_an_allow_entry_without_a_port_allows_every_port_of_that_host",
            "tests/search/test_fetch.py::test_odd_hosts_are_refused_for_what_they_are_without_a_lookup",
            "tests/search/test_fetch.py::test_a_name_with_no_address_is_an_error_not_a_crash",
            "tests/search/test_fetch.py::test_default_ports_name_the_site_plainly_and_meet_the_allow_list",
            "tests/search/test_fetch.py::test_a_refusal_names_the_address_and_how_it_was_spelled",
            "tests/search/test_fetch.py::test_each_redirect_gives_its_connection_back",
            "tests/search/test_fetch.py::test_only_a_redirect_status_with_a_location_is_followed",
        ],
        "each hop checked, redirects followed by hand",
    ),
    "cite": Module({"agent/citations.py": None}, ["tests/agent/test_citations.py"], "citation rewriting"),
    "select": Module({"search/select.py": None}, ["tests/search/test_select.py"], "evidence packing"),
    "auth-scoping": Module(
        {
            "api/auth.py": None,
            "api/conversations.py": None,
            "api/contract.py": ["agent_input"],
            "api/rest/answer.py": ["answer", "get_conversation", "delete_conversation"],
            "api/openai_compat/conversation.py": ["conversation_key", "caller_namespace", "Conversation.__init__",
                                           "Conversation.prepare", "Conversation.file"],
        },
        [
            "tests/api/rest/test_auth.py::test_each_key_sees_only_its_own_conversations",
            "tests/api/openai_compat/test_openai_compat.py::test_an_explicit_conversation_id_is_scoped_by_the_callers_key",
            "tests/api/rest/test_auth.py",
            "tests/api/openai_compat/test_openai_compat.py::test_callers_with_the_same_transcript_are_kept_apart",
            "tests/api/openai_compat/test_openai_compat.py::test_follow_up_in_resent_history_is_resolved",
            "tests/api/openai_compat/test_openai_compat.py::test_explicit_conversation_id_keeps_the_thread",
            "tests/api/openai_compat/test_openai_compat.py::test_a_conversation_is_kept_once_not_once_per_turn",
            "tests/api/openai_compat/test_openai_compat.py::test_a_retried_exchange_replaces_its_entry_rather_than_doubling_it",
            "tests/api/openai_compat/test_openai_compat.py::test_the_openai_surface_keeps_the_configured_history_window",
            "tests/api/openai_compat/test_openai_compat.py::test_the_openai_surface_files_its_conversations_in_redis_once",
            "tests/api/rest/test_conversations.py::test_get_returns_turns_with_sources_and_queries_then_delete",
            # the open-server rules: server-made ids, Slack threads off REST, no planted turns
            "tests/system/test_hardening.py::test_an_open_server_keeps_slack_threads_off_rest_unless_the_operator_opts_in",
            "tests/system/test_hardening.py::test_a_client_cannot_plant_a_conversation_or_write_assistant_turns_into_one",
            "tests/system/test_hardening.py::test_an_open_server_keeps_slack_threads_off_mcp_unless_the_operator_opts_in",
            "tests/system/test_limits.py::test_the_question_cap_is_the_same_on_every_surface",
        ],
        "API keys and conversation scoping",
    ),
    "slack": Module(
        {"api/slack/bot.py": ["SlackBot.__init__", "SlackBot._on_mention", "SlackBot._on_message", "SlackBot._spawn",
                          "SlackBot._claim", "bot_for", "slack_events"]},
        [
            "tests/api/slack/test_slack.py::test_http_mode_needs_both_the_bot_token_and_the_signing_secret",
            "tests/api/slack/test_slack.py::test_slack_route_is_absent_without_its_settings",
            "tests/api/slack/test_slack.py::test_url_verification_is_answered",
            "tests/api/slack/test_slack.py::test_mention_gets_searching_then_the_cited_answer_in_its_thread",
            "tests/api/slack/test_slack.py::test_a_wrong_signature_is_401_and_nothing_is_posted",
            "tests/api/slack/test_slack.py::test_another_bots_mention_is_not_answered",
            "tests/api/slack/test_slack.py::test_bot_messages_and_edits_in_dms_are_not_questions",
            "tests/api/slack/test_slack.py::test_direct_message_is_answered",
            "tests/api/slack/test_slack.py::test_a_retried_event_is_not_answered_twice",
            "tests/api/slack/test_slack.py::test_follow_up_in_the_thread_keeps_the_subject",
            "tests/api/slack/test_slack.py::test_an_answer_still_in_flight_at_shutdown_is_posted_before_the_server_stops",
            "tests/system/test_hardening.py::test_a_slack_request_with_a_timestamp_that_is_not_a_number_is_refused_not_a_500",
        ],
        "Slack verification and which events are answered",
    ),

    # -- #32: the graph, the pool and the store -------------------------------------------------
    "graph-steps": Module(
        {"agent/nodes/search.py": None, "agent/nodes/read.py": None, "agent/nodes/answer.py": None},
        [  # the in-process graph first: it fails fastest
            "tests/agent/test_graph.py",
            "tests/system/test_round_steps.py",
            "tests/system/test_rounds.py::test_two_part_question_cites_two_pages_from_two_rounds",
            "tests/system/test_rounds.py::test_the_stream_shows_each_round_and_its_text_matches_the_answer",
            "tests/system/test_rounds.py::test_with_native_tools_the_second_search_arrives_as_a_tool_call",
            "tests/system/test_search_fallback.py::test_every_provider_down_is_a_503_naming_each",
            "tests/system/test_search_fallback.py::test_the_question_as_typed_is_searched_too_and_results_merge",
            # the request's filters reach the provider; which provider answered is told; no empty answer
            "tests/api/perplexity/test_sonar.py::test_language_filter_keeps_pages_in_that_language",
            "tests/system/test_search_apis.py::test_filters_from_the_request_reach_the_api",
            "tests/system/test_search_apis.py::test_a_429_moves_on_and_the_limited_provider_waits_out_its_retry_after",
            "tests/system/test_no_answer.py::test_an_empty_answer_is_one_clear_line_with_the_sources_never_an_empty_200",
            "tests/system/test_no_answer.py::test_an_answer_that_only_repeats_the_instructions_is_no_answer_and_never_streamed",
            "tests/system/test_no_answer.py::test_a_reply_of_nothing_but_markers_to_no_source_is_the_no_answer_line_never_an_error",
            "tests/system/test_no_answer.py::test_a_reply_of_nothing_but_markers_to_sources_it_read_is_the_no_answer_line_too",
            "tests/api/perplexity/test_sonar.py::test_a_date_window_also_narrows_the_providers_own_time_range",
            "tests/api/perplexity/test_sonar.py::test_response_format_json_schema_goes_to_guided_decoding",
            # the answer step: the round limit, a repeated call, samples, words kept before a call
            "tests/system/test_rounds.py::test_round_limit_and_time_budget_end_with_an_answer",
            "tests/system/test_rounds.py::test_a_model_that_only_repeats_its_call_stops_searching_and_answers",
            "tests/system/test_rounds.py::test_each_round_extends_the_last_rounds_prompt",
            "tests/system/test_rounds.py::test_a_model_that_can_call_nothing_searches_once",
            "tests/system/test_protocols.py::test_a_plain_model_that_writes_a_call_is_not_asked_again_its_words_before_it_are_the_answer",
            "tests/api/rest/test_best_of.py",
            "tests/api/rest/test_stream.py::test_words_shown_before_a_search_call_stay_in_the_final_answer",
            "tests/api/rest/test_claims.py::test_claims_of_every_search_round_point_into_the_joined_answer",
            "tests/api/rest/test_claims.py::test_the_time_spent_checking_every_rounds_claims_is_the_time_metrics_shows",
        ],
        "search, read, answer: what each graph step hands the next",
    ),
    "graph-nodes": Module(
        {
            "agent/nodes/decide.py": None, "agent/nodes/rank.py": None, "agent/nodes/select.py": None,
            "agent/nodes/condense.py": None, "agent/nodes/load_history.py": None,  # cite.py: no mutation point
            "agent/nodes/related.py": None, "agent/nodes/save.py": None, "agent/nodes/verify.py": None,
        },
        [  # the unit tests first (the history window, the questions' parsing): they fail fastest
            "tests/agent/test_messages.py",
            "tests/agent/test_related.py",
            "tests/agent/test_decide.py",  # search_by_rule: the request and the rule decide, the model the rest
            "tests/agent/test_graph.py",
            "tests/agent/test_condense.py",
            "tests/system/test_rounds.py::test_two_part_question_cites_two_pages_from_two_rounds",
            "tests/system/test_rounds.py::test_each_later_round_reads_its_smaller_share_of_evidence",
            "tests/system/test_rounds.py::test_follow_up_after_two_rounds_reuses_the_whole_prefix",
            "tests/api/rest/test_conversations.py",
            "tests/api/rest/test_claims.py",  # verify: the claims event, each citation's quote, the metrics
            # decide's status, a direct answer (and an empty one), the condensing stage
            "tests/api/rest/test_stream.py::test_events_arrive_in_the_order_a_reader_needs",
            "tests/api/rest/test_stream.py::test_a_direct_answer_streams_without_any_search",
            "tests/system/test_no_answer.py::test_a_direct_answer_left_empty_says_so_without_sources",
            "tests/system/test_no_answer.py::test_a_direct_answer_left_empty_streams_the_line_it_saves",
            "tests/system/test_no_answer.py::test_a_direct_answer_of_nothing_but_markers_is_the_no_answer_line_never_an_error",
            "tests/system/test_no_answer.py::test_a_reply_of_nothing_but_markers_to_no_source_is_the_no_answer_line_never_an_error",
            "tests/api/rest/test_stream.py::test_condensing_is_its_own_stage_with_a_page_count",
            "tests/api/ops/test_metrics.py::test_answers_whose_evidence_budget_widened_are_counted",
        ],
        "the other graph steps: decide, rank, select, condense, history, related, save, verify",
    ),
    "rounds": Module(
        {"agent/rounds.py": None, "agent/budget.py": None},
        [
            "tests/agent/test_rounds.py",
            "tests/agent/test_budget.py",
            "tests/system/test_rounds.py::test_round_limit_and_time_budget_end_with_an_answer",
            "tests/system/test_rounds.py::test_depth_deep_reads_more_pages_a_round",
            "tests/system/test_rounds.py::test_each_later_round_reads_its_smaller_share_of_evidence",
            "tests/system/test_round_steps.py::test_each_rounds_results_carry_that_rounds_query",
        ],
        "how many rounds, pages and evidence; whether the next call is followed",
    ),
    "protocols": Module(
        {
            # deciding first; the choice and the shared parts (their type aliases and __all__) last
            "agent/protocols/megrez.py": None, "agent/protocols/tools.py": None, "agent/protocols/plain.py": None,
            "agent/protocols/base.py": None, "agent/protocols/__init__.py": None,
        },
        [  # the prompts and the choice first (no model), then decide in process, then the service
            "tests/agent/test_protocols.py",
            "tests/agent/test_messages.py",
            "tests/agent/test_protocol_decide.py",
            "tests/agent/test_condense.py::test_long_pages_are_condensed_in_one_batched_request",  # Megrez batches
            "tests/system/test_protocols.py",
        ],
        "the model protocols: megrez, tools, plain",
    ),
    "classify": Module(
        {
            "agent/classify.py": None,
            "agent/signals/common.py": None,
            "agent/signals/zh.py": None,
            "agent/signals/en.py": None,
            "agent/follow_up.py": None,
            # not agent/signals/arithmetic.py: patterns alone, no code a mutator changes (its regexes are
            # tested through classify all the same)
        },
        ["tests/agent/test_classify.py"],
        "the bilingual search rule",
    ),
    "pool-routing": Module(
        {"inference/pool.py": None, "inference/routing.py": None},
        ["tests/inference/test_pool.py", "tests/inference/test_affinity.py"],
        "several model servers: failover, health, conversation affinity",
    ),
    "workers": Module(
        {"core/workers.py": None, "core/cgroup.py": ["default_size"]},
        [  # not the whole-service ones that run `websearch serve` in subprocesses (the files on disk)
            "tests/core/test_workers.py",
            "tests/core/test_cgroup.py",  # default_size: the pool's size from the cgroup's CPU quota
            "tests/system/test_parse_workers.py::test_a_page_that_kills_its_worker_costs_only_that_page",
        ],
        "parse workers: crashes, deadlines, memory caps",
        fork_workers=True,
    ),
    "store": Module(
        {"agent/store.py": None},
        [  # the Cluster tests left out: they start six Redis servers each (tests/agent for the connection URLs)
            "tests/agent/test_store.py::test_append_then_get_in_order",
            "tests/agent/test_store.py::test_concurrent_appends_keep_every_turn",
            "tests/agent/test_store.py::test_delete",
            "tests/agent/test_store.py::test_redis_sets_a_ttl",
            "tests/agent/test_store.py::test_memory_store_expires",
            "tests/agent/test_store.py::test_redis_down_is_a_clear_store_error_without_the_password",
            "tests/agent/test_store.py::test_memory_store_forgets_expired_conversations_nobody_reads_again",
            "tests/agent/test_store.py::test_exists_says_whether_a_conversation_is_kept",
            "tests/agent/test_store.py::test_readiness_pings_redis_and_closing_gives_its_connections_back",
            "tests/agent/test_store.py::test_by_default_a_conversation_holds_200_turns_of_at_most_256_kib_each",
            "tests/agent/test_store_secured.py::test_a_password_in_the_query_never_shows",
            "tests/agent/test_store_secured.py::test_a_stored_conversation_has_a_size_cap",
            "tests/agent/test_store_secured.py::test_the_turn_cap_counts_bytes_so_a_chinese_turn_is_held_to_it_too",
            "tests/agent/test_store_secured.py::test_the_redis_pool_is_bounded",
        ],
        "conversation memory, its size caps",
    ),
    "rank": Module(
        {"search/passages.py": None, "search/rank.py": None, "search/rank_index.py": None},
        [  # each test by name, the pure ones first (pytest -x: a mutant stops at its first failure);
           # test_fact_passage_ranks_first (it reads every fixture page through parse workers) last
            *(f"tests/search/test_rank.py::{test}" for test in (
                "test_the_stemmer_gives_each_inflection_its_pinned_stem",
                "test_tokenize_drops_possessives_and_stop_words_and_pairs_chinese_characters",
                "test_tokenize_english_and_chinese",
                "test_stemming_meets_inflections",
                "test_stemming_leaves_short_words_and_numbers",
                "test_passages_merge_small_and_split_large_paragraphs",
                "test_heading_starts_a_passage",
                "test_a_heading_is_at_most_12_tokens",
                "test_a_heading_and_its_subheading_start_one_passage_together",
                "test_a_heading_stays_with_a_paragraph_under_it_that_takes_the_two_past_the_passage_size",
                "test_a_short_table_row_is_not_a_heading",
                "test_three_headings_in_a_row_start_the_passage_of_the_text_under_them",
                "test_a_long_run_of_short_lines_is_still_cut_into_passages",
                "test_a_list_item_a_row_or_a_long_line_is_not_a_heading",
                "test_table_rows_lose_their_pipes",
                "test_only_a_line_between_pipes_is_a_table_row",
                "test_empty_pages_give_no_passages",
                "test_a_page_that_could_not_be_read_is_ranked_by_its_snippet",
                "test_a_long_paragraph_without_full_stops_is_split_at_its_sentence_ends",
                "test_a_long_chinese_paragraph_keeps_a_latin_name_with_an_initial_whole",
                "test_a_follow_up_finds_the_agent_noun_for_its_verb",
                "test_a_passage_holding_the_asked_for_kind_of_answer_ranks_higher",
                "test_a_page_ranked_again_scores_for_the_new_question",
                "test_answer_shapes",
                "test_open_questions_have_no_answer_shape",
                "test_passage_token_counts_are_exact_on_messy_pages",
            )),
            "tests/search/test_rank_context.py",
            "tests/search/test_aliases.py",  # names meet acronyms; a follow-up's answer a passage or two on
            "tests/search/test_rank.py::test_fact_passage_ranks_first",
        ],
        "passage ranking, follow-ups",
    ),
    "recall": Module({"search/recall.py": None}, ["tests/search/test_recall.py"], "the extraction's recall check",
                     fork_workers=True),
    "extract": Module(
        {"search/extract.py": None, "search/pdf.py": None},
        [  # each test by name, those that need no parse worker first (pytest -x stops at the first failure)
            *(f"tests/search/test_extract.py::{test}" for test in (
                "test_defuse_removes_orders_to_the_model",
                "test_an_order_holding_a_single_word_the_filter_looks_for_is_removed",
                "test_defuse_is_not_fooled_by_letters_the_patterns_fold",
                "test_an_order_deep_in_a_thread_full_of_its_words_is_found",
                "test_a_turkish_i_in_the_filters_only_word_does_not_hide_the_order",
                "test_an_order_on_a_page_holding_every_word_the_filter_looks_for_is_found",
                "test_defuse_leaves_ordinary_prose",
                "test_decode_prefers_header_then_meta_then_sniff",
                "test_short_pages_trust_meta_over_guessing",
                "test_a_utf16_label_on_a_page_of_ascii_markup_is_not_believed",
                "test_labels_are_read_as_browsers_read_them",
                "test_drop_leading_title_keeps_a_first_line_that_says_more",
                "test_the_token_floor_counts_the_whole_text_when_its_start_is_thin",
                "test_a_page_of_40_tokens_is_read_and_one_of_39_gives_its_snippet",
                "test_a_short_page_keeps_its_own_text_unless_its_snippet_says_more",
                "test_a_page_with_no_text_and_no_snippet_is_not_counted_as_read",
                "test_a_short_page_that_only_asks_for_javascript_is_not_the_text",
                "test_a_page_without_a_date_of_its_own_keeps_the_date_its_result_gave",
                "test_a_long_page_is_cut_at_100_000_characters_at_a_paragraph_end",
                "test_control_characters_never_reach_the_text",
                "test_a_page_with_a_few_stray_control_characters_is_read_and_one_over_the_share_is_not",
            )),
            *(f"tests/search/test_extract_paths.py::{test}" for test in (
                "test_reader_comments_are_dropped_even_on_a_page_marked_as_a_forum_thread",
                "test_links_in_the_article_are_read_as_their_words_without_markup",
            )),
            *(f"tests/search/test_extract_pdf.py::{test}" for test in (
                "test_pdf_text_reads_the_fixture",
                "test_a_pdf_is_read_to_its_50th_page_and_400_000th_character",
                "test_a_pdf_page_that_inflates_past_20_mb_is_not_read_and_the_other_pages_are",
                "test_a_pdf_is_read_with_a_pypdf_too_old_to_tighten_its_limits",
                "test_a_password_locked_pdf_gives_nothing_and_an_empty_password_one_is_read",
                "test_a_pdf_that_pypdf_fails_to_decrypt_gives_nothing",
                "test_a_pdf_whose_cross_reference_offset_is_wrong_is_still_read",
                "test_a_pdf_without_a_title_is_titled_by_its_result_or_address",
                "test_a_pdf_is_parsed_no_further_than_its_400_000th_character",
            )),
            # the lean extractor: a plain article read without trafilatura, and only under "lean"
            "tests/search/test_html_text_lean.py::test_plain_english_article_is_read_without_trafilatura",
            "tests/search/test_html_text_lean.py::test_plain_chinese_article_is_read_without_trafilatura",
            "tests/search/test_html_text_lean.py::test_the_fast_path_runs_trafilatura_on_the_same_page",
            "tests/search/test_recall.py",
            # the path shipped before (extractor="trafilatura"): trafilatura_extract and recall.checked
            "tests/search/test_html_text.py::test_broken_page_gives_its_snippet",
            "tests/search/test_html_text.py::test_english_article_read_in_a_worker",
            "tests/search/test_html_text.py::test_chinese_article_read_in_a_worker",
            *(f"tests/search/test_extract.py::{test}" for test in (
                "test_article_kept_boilerplate_dropped",
                "test_chinese_utf8_page",
                "test_gbk_page_declared_only_in_meta",
                "test_plain_text_passes_through",
                "test_thin_page_falls_back_to_snippet",
                "test_fetch_error_becomes_snippet_page",
                "test_legacy_cjk_pages_read_correctly",
                "test_a_lying_header_charset_gives_way_to_meta",
                "test_headline_not_repeated_at_the_start",
                "test_tables_and_lists_are_kept",
                "test_javascript_shell_gives_the_snippet",
                "test_injection_page_loses_its_orders_and_keeps_its_prose",
                "test_a_hostile_snippet_does_not_stand_in",
                "test_a_hostile_result_title_never_titles_a_page_that_was_read",
                "test_binary_that_slipped_past_the_fetcher_is_not_text",
            )),
            "tests/search/test_extract_paths.py::test_each_extractor_reads_and_titles_a_page_whose_result_has_no_title",
            "tests/search/test_extract_pdf.py::test_pdf_text_and_title",
            "tests/search/test_extract_pdf.py::test_broken_pdfs_fall_back_to_the_snippet",
            "tests/search/test_read.py",
        ],
        "extraction, the injection filter",
        fork_workers=True,
    ),
    "limits": Module({"api/limits.py": None}, ["tests/system/test_limits.py"], "request size caps"),
}
