"""Local documents that open: an answer from the `local` index cites `/documents/<path>`, the app
serves exactly the indexed files there (right content type, HTML cleaned and sandboxed), refuses
everything else (paths outside the folder, `..`, symlinks out, files it did not index), asks for
a key or a signed link when the API has keys, and the web chat (real Chromium) and Slack show the
citations as links that open.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api.slack.format import slack_messages
from search.index import LocalIndex, build_index
from search.models import Source
from testkit.browser import ask as ask_in_page
from testkit.browser import expect, wait_answered
from testkit.settings import make_settings
from testkit.app_server import ServedApp
from testkit.documents import write_corpus

LIGHTHOUSE = "How tall is the Ostrava Lighthouse?"
EVIL_HTML = """<!doctype html><html><head><title>Harbour opening hours</title>
<script>document.title = "PWNED"</script>
<link rel="stylesheet" href="http://127.0.0.1:9/remote.css"></head>
<body><h1>Harbour opening hours</h1>
<p onclick="alert(1)">The harbour office opens at 07:30 on weekdays.</p>
<img src="x" onerror="document.body.dataset.pwned = 1">
<iframe src="http://127.0.0.1:9/"></iframe>
<a href="javascript:alert(1)">more</a></body></html>"""


@pytest.fixture
def corpus(tmp_path: Path):
    folder = tmp_path / "docs"
    files = write_corpus(folder)
    (folder / "harbour.html").write_text(EVIL_HTML, encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("The vault code is 4471.", encoding="utf-8")
    (folder / "vault.txt").symlink_to(secret)  # indexed by name, but resolves outside the folder
    build_index(folder, tmp_path / "index")
    indexed = [doc.path for doc in LocalIndex.load(tmp_path / "index").docs]
    assert indexed and all(Path(p).is_relative_to(folder) for p in indexed), "nothing from outside is indexed"
    return folder, files, tmp_path / "index"


def local_settings(web, megrez, index: Path, **overrides):
    return make_settings(web, megrez, search_provider="local", local_index=str(index), **overrides)


def answer(app: ServedApp, question: str, **headers: str) -> dict:
    response = httpx.post(f"{app.base_url}/v1/answer", json={"question": question}, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_local_citation_is_a_link_the_app_serves(local_web, megrez, corpus):
    _, files, index = corpus
    with ServedApp(local_settings(local_web, megrez, index)) as app:
        body = answer(app, LIGHTHOUSE)
        assert [c["url"] for c in body["citations"]] == ["/documents/lighthouse.pdf"]
        pdf = httpx.get(app.base_url + body["citations"][0]["url"])
        chinese = answer(app, "银杏水库的总库容是多少？")
        zh_url = next(c["url"] for c in chinese["citations"] if "handbook" in c["url"])
        markdown = httpx.get(app.base_url + zh_url)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content == files["pdf"].read_bytes()
    assert zh_url == "/documents/handbook/%E9%93%B6%E6%9D%8F%E6%B0%B4%E5%BA%93.md"
    assert markdown.headers["content-type"] == "text/plain; charset=utf-8"
    assert "3.2 亿立方米" in markdown.text


def test_html_is_served_clean_and_sandboxed(local_web, megrez, corpus):
    _, _, index = corpus
    with ServedApp(local_settings(local_web, megrez, index)) as app:
        response = httpx.get(f"{app.base_url}/documents/harbour.html")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"].startswith("sandbox;")
    assert response.headers["x-content-type-options"] == "nosniff"
    page = response.text
    assert "The harbour office opens at 07:30" in page
    for active in ("<script", "PWNED", "onclick", "onerror", "<iframe", "javascript:", "remote.css"):
        assert active not in page, active


@pytest.mark.parametrize(
    "path",
    [
        "/documents/vault.txt",  # a symlink in the folder pointing outside it
        "/documents/%2E%2E/secret.txt",  # `..` out of the folder
        "/documents/handbook/%2E%2E/%2E%2E/secret.txt",
        "/documents/logo.png",  # in the folder, not indexed
        "/documents/.git/notes.txt",  # hidden, not indexed
        "/documents/empty.txt",  # skipped by the indexer
        "/documents/nothing-here.md",
        "/documents//etc/passwd",
    ],
)
def test_paths_outside_the_index_are_refused(local_web, megrez, corpus, path):
    _, _, index = corpus
    with ServedApp(local_settings(local_web, megrez, index)) as app:
        response = httpx.get(app.base_url + path)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"
    assert "4471" not in response.text and "Harrowgate secret" not in response.text


def test_with_api_keys_a_document_needs_a_key_or_its_signed_link(local_web, megrez, corpus):
    _, files, index = corpus
    settings = local_settings(local_web, megrez, index, api_keys=["key-one", "key-two"])
    with ServedApp(settings) as app:
        link = answer(app, LIGHTHOUSE, authorization="Bearer key-one")["citations"][0]["url"]
        path, _, query = link.partition("?")
        assert path == "/documents/lighthouse.pdf" and query.startswith("sig=")
        signed = httpx.get(app.base_url + link)
        bare = httpx.get(app.base_url + path)
        forged = httpx.get(f"{app.base_url}{path}?sig={'0' * 32}")
        other_file = httpx.get(f"{app.base_url}/documents/cafeteria.txt?{query}")  # this link's signature
        with_key = httpx.get(app.base_url + path, headers={"x-api-key": "key-two"})
        wrong_key = httpx.get(app.base_url + path, headers={"authorization": "Bearer nope"})
    assert signed.status_code == 200 and signed.content == files["pdf"].read_bytes()
    assert with_key.status_code == 200
    for refused in (bare, forged, other_file, wrong_key):
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"


def test_slack_shows_local_citations_as_links_with_a_public_url():
    sources = [Source(index=1, url="/documents/handbook/on-call.md", title="On-call handbook")]
    linked = slack_messages("Page the secondary after 15 minutes [1].", sources, base_url="https://ask.example.org/")
    text = linked[0].text
    assert "<https://ask.example.org/documents/handbook/on-call.md|[1]>" in text
    assert "<https://ask.example.org/documents/handbook/on-call.md|On-call handbook>" in text
    # Without WEBSEARCH_PUBLIC_URL Slack could not open a relative link: the title is shown unlinked.
    plain = slack_messages("Page the secondary after 15 minutes [1].", sources)[0].text
    assert "On-call handbook" in plain and "<" not in plain.replace("&lt;", "")


def test_a_local_citation_opens_from_the_web_chat(local_web, megrez, corpus, open_page):  # noqa: F811
    _, _, index = corpus
    with ServedApp(local_settings(local_web, megrez, index)) as app:
        page = open_page(app.base_url + "/")
        ask_in_page(page, LIGHTHOUSE)
        turn = page.locator(".turn").first
        wait_answered(turn)
        expect(turn.locator(".answer")).to_contain_text("48 metres")
        card = turn.locator(".source-card").first
        expect(card).to_have_attribute("href", app.base_url + "/documents/lighthouse.pdf")
        expect(card.locator(".source-domain")).to_have_text("lighthouse.pdf")
        chip = turn.locator(".answer a.cite").first
        # the document, opened at the sentence the claim quotes (browsers without text fragments: at its top)
        href = chip.get_attribute("href")
        assert href.split("#")[0] == app.base_url + "/documents/lighthouse.pdf" and "#:~:text=The%20Ostrava" in href

        # The Markdown document opens in a new tab from its card, as text.
        ask_in_page(page, "银杏水库的总库容是多少？")
        second = page.locator(".turn").nth(1)
        wait_answered(second)
        zh_card = second.locator('.source-card[href*="/documents/handbook/"]').first
        expect(zh_card.locator(".source-domain")).to_have_text("handbook/银杏水库.md")
        with page.context.expect_page() as opened:
            zh_card.click()
        document = opened.value
        document.wait_for_load_state()
        assert "/documents/handbook/" in document.url
        expect(document.locator("body")).to_contain_text("3.2 亿立方米")

        # A path outside the index is refused in the browser too.
        refused = page.context.new_page()
        response = refused.goto(app.base_url + "/documents/%2E%2E/secret.txt")
        assert response is not None and response.status == 404
        expect(refused.locator("body")).not_to_contain_text("4471")
        evil = page.context.new_page()
        evil.goto(app.base_url + "/documents/harbour.html")
        expect(evil.locator("h1")).to_have_text("Harbour opening hours")
        assert evil.title() != "PWNED" and evil.evaluate("document.body.dataset.pwned") is None


def test_a_document_swapped_for_a_symlink_out_after_indexing_is_refused(local_web, megrez, corpus, tmp_path):
    folder, _, index = corpus
    swapped = folder / "cafeteria.txt"
    swapped.unlink()
    swapped.symlink_to(tmp_path / "secret.txt")  # still listed in the index, now resolving outside
    with ServedApp(local_settings(local_web, megrez, index)) as app:
        response = httpx.get(f"{app.base_url}/documents/cafeteria.txt")
        kept = httpx.get(f"{app.base_url}/documents/lighthouse.pdf")
    assert response.status_code == 404 and "4471" not in response.text
    assert kept.status_code == 200


# --- issue 29 ----------------------------------------------------------------------------------------


def test_non_ascii_credentials_are_a_401_never_a_500(local_web, megrez, corpus, json_logs, capfd):  # noqa: F811
    _, _, index = corpus
    with ServedApp(local_settings(local_web, megrez, index, api_keys=["key-one"])) as app:
        url = f"{app.base_url}/documents/lighthouse.pdf"
        answers = [
            httpx.get(url, params={"sig": "ключ-é"}),
            httpx.get(url, headers=[(b"authorization", "Bearer ключ".encode())]),
            httpx.get(url, headers=[(b"x-api-key", b"\xff\xfe-key")]),
        ]
    assert [r.status_code for r in answers] == [401, 401, 401], [r.text for r in answers]
    assert all(r.json()["error"]["code"] == "unauthorized" for r in answers)
    assert "Traceback" not in capfd.readouterr().err


def test_an_indexed_file_swapped_for_a_symlink_to_a_file_beside_it_is_not_served(local_web, megrez, corpus):
    folder, _, index = corpus
    (folder / ".env").write_text("WEBSEARCH_API_KEYS=the-secret-key\n", encoding="utf-8")
    swapped = folder / "cafeteria.txt"
    swapped.unlink()
    swapped.symlink_to(folder / ".env")  # inside the folder, so it resolves within it
    with ServedApp(local_settings(local_web, megrez, index)) as app:
        response = httpx.get(f"{app.base_url}/documents/cafeteria.txt")
        kept = httpx.get(f"{app.base_url}/documents/lighthouse.pdf")
    assert response.status_code == 404 and "the-secret-key" not in response.text
    assert kept.status_code == 200


def test_served_html_has_no_base_and_its_csp_forbids_one(local_web, megrez, corpus):
    folder, _, _ = corpus
    (folder / "based.html").write_text(
        '<!doctype html><html><head><title>Tide tables</title><base href="https://evil.example/"></head>'
        '<body><p>High tide at the harbour is at 06:12.</p><a href="tides.html">more</a></body></html>',
        encoding="utf-8",
    )
    index = folder.parent / "index-based"
    build_index(folder, index)
    with ServedApp(local_settings(local_web, megrez, index)) as app:
        response = httpx.get(f"{app.base_url}/documents/based.html")
    assert response.status_code == 200 and "High tide at the harbour" in response.text
    assert "<base" not in response.text and "evil.example" not in response.text
    assert "base-uri 'none'" in response.headers["content-security-policy"]


def test_a_symlink_inside_the_folder_is_indexed_once(tmp_path):
    folder = tmp_path / "docs"
    write_corpus(folder)
    (folder / "a-latest.md").symlink_to(folder / "handbook" / "on-call.md")  # before its target, sorted
    build_index(folder, tmp_path / "index")
    paths = [doc.path for doc in LocalIndex.load(tmp_path / "index").docs]
    assert len(paths) == len(set(paths)) == 5
    assert str(folder / "handbook" / "on-call.md") in paths
