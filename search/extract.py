"""Turn a fetched page into clean main text (title, date, site) with trafilatura, or a PDF's text
with pypdf (search/pdf.py).

Navigation, cookie banners, ads, related links and comments are dropped, so what reaches ranking
is the article; tables and lists are kept (as `| a | b |` rows and `- item` lines). The headline is
not repeated at the start of the text (the title travels beside it). Page text is data for the
model, never instructions: sentences that address the model ("ignore previous instructions…") and
chat-template tokens are removed. When a page yields too little (a JavaScript shell, a consent
wall, an empty or binary body), the search snippet stands in."""

from __future__ import annotations

import codecs
import logging
import re
from typing import Literal

import trafilatura
from charset_normalizer import from_bytes

from search import html_text, recall
from search.fetch import Fetched
from search.models import Fallback, Page, SearchResult
from search.pdf import pdf_text
from core.tokens import count_tokens, count_tokens_up_to
from core.workers import ParseFailed, WorkerLost, WorkerPool, WorkerPoolClosed

log = logging.getLogger(__name__)

# Below this the "article" is usually a login wall, a consent page or a JS shell: the snippet
# (written by the search engine about the very page) is the better evidence. Counted in tokens so
# a short Chinese paragraph (dense: ~1 token per character) is not thrown away like 40 English chars.
MIN_TOKENS = 40
# The model reads about a thousand tokens of evidence per answer: past this much text a page only
# costs ranking time and memory (a 2 MB page would be thousands of passages). Cut at a paragraph.
MAX_TEXT_CHARS = 100_000

# How an HTML page's main text is found: "fast" (search/html_text.py: one lexbor parse for the
# recall check and the metadata, trafilatura once without its second opinions) or "trafilatura"
# (the path shipped before: trafilatura with its metadata and fallbacks, an lxml recall check and a
# second, recall-oriented trafilatura run when the first lost the article). "lean": the fast path,
# but a page whose lexbor blocks read like one plain article keeps them and skips trafilatura
# (html_text.plain_article: about one real page in five). Setting `extractor`.
Extractor = Literal["fast", "lean", "trafilatura"]
EXTRACTORS: tuple[Extractor, ...] = ("fast", "lean", "trafilatura")

# --- charsets ---------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
# Labels are read as browsers read them (the WHATWG Encoding Standard): legacy Chinese labels mean
# GB18030, their superset (pages labelled gb2312 routinely contain characters only GBK/GB18030
# have); Shift_JIS means Windows-31J; Big5 means Big5-HKSCS; Latin-1/ASCII mean windows-1252.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
    "euc_kr": "cp949",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "tis-620": "cp874",
    "ascii": "utf-8",
}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    if name in ("utf-16-le", "utf-16-be", "utf-16"):  # an ASCII-compatible page cannot be UTF-16
        return None
    return _SUPERSETS.get(name, name)


def decode(body: bytes, header_charset: str | None) -> str:
    """BOM, then header charset, then <meta charset>, then UTF-8, then a statistical sniff."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace")
    meta = _META_CHARSET.search(body[:4096])
    for label in (header_charset, meta.group(1).decode("ascii", "ignore") if meta else None):
        if codec := _codec(label):
            try:
                return body.decode(codec)
            except UnicodeDecodeError:
                continue  # a lying label: fall through to the next clue
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:200_000]).best()
    codec = _codec(best.encoding) if best else None
    return body.decode(codec or "utf-8", errors="replace")


# --- page text as data ------------------------------------------------------------------------

# Chat-template and citation syntax inside a page would let it forge turns or sources.
_TEMPLATE_TOKENS = re.compile(
    r"<\|/?[a-z_]{2,40}\|>|\[/?INST\]|<</?SYS>>",
    re.IGNORECASE,
)
_FORGED_CITATION = re.compile(r"\[\[?\s*citation\s*:\s*\d+\s*\]\]?", re.IGNORECASE)
# Sentences that address the model rather than the reader. Kept narrow on purpose: "drivers who
# ignore the traffic rules" or "you are now in the old town" are ordinary prose.
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|overrule)\s+(?:all\s+|any\s+|of\s+)*(?:the\s+|your\s+|my\s+)?"
    r"(?:previous|prior|above|earlier|preceding|foregoing|original|system|existing)\s+"
    r"(?:instructions?|prompts?|rules|directions|directives|guidelines|context|messages?)\b"
    r"|\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:your|these|those|the)\s+instructions\b"
    r"|\bnew (?:system )?instructions?\s*:"
    r"|\b(?:from now on|you are now)\W+(?:you\s+(?:are|will|must)\s+)?(?:an?\s+)?(?:ai|assistant|chatbot|model|dan)\b"
    r"|\b(?:respond|reply|answer)\s+(?:only|just)\s+(?:with\s+)?[\"'“]?(?-i:[A-Z]{4,})\b"
    r"|\b(?:respond|reply|answer)\s+with\s+the\s+(?:word|text|string)\b"
    r"|(?:忽略|无视|忽视|忘记|不要理会)[^。！？\n]{0,20}(?:之前|以上|上面|前面|先前|所有|全部)[^。！？\n]{0,20}"
    r"(?:指令|指示|说明|提示|规则|要求|命令)"
    r"|你现在是一?个?(?:AI|人工智能|助手|机器人|模型)",
    re.IGNORECASE,
)

# What a page says when it will not show itself to a program.
_WALL = re.compile(
    r"enable javascript|javascript (?:is )?(?:required|disabled)|turn on javascript|"
    r"browser (?:is )?not supported|checking your browser|just a moment|are you a robot|captcha|"
    r"access denied|403 forbidden|请开启\s*javascript|启用\s*javascript",
    re.IGNORECASE,
)


# A word each of the patterns above needs (casefolded): a text holding none of them is clean
# without running the patterns, which is most pages.
_NEEDED = (
    "ignore", "disregard", "forget", "override", "overrule", "instruction", "from now on", "you are now",
    "respond", "reply", "answer", "忽略", "无视", "忽视", "忘记", "不要理会", "你现在是",
    "<|", "inst]", "sys>>", "citation",
)  # fmt: skip


def _may_be_hostile(text: str) -> bool:
    folded = text.casefold()
    if "\u0307" in folded or "ı" in folded:  # İ and ı: the patterns' IGNORECASE reads them as i
        folded = folded.replace("\u0307", "").replace("ı", "i")
    return any(word in folded for word in _NEEDED)


# Where a match of _INJECTION can start: each of its branches opens with one of these words, under
# the same flags (a word boundary before the English ones).
_INJECTION_WORDS = (
    "ignore", "disregard", "forget", "override", "overrule", "new ", "from now on", "you are now", "respond", "reply",
    "answer",
)  # fmt: skip
_INJECTION_HAN = ("忽略", "无视", "忽视", "忘记", "不要理会", "你现在是")
_INJECTION_STARTS = re.compile(rf"(?=\b(?:{'|'.join(_INJECTION_WORDS)})|{'|'.join(_INJECTION_HAN)})", re.IGNORECASE)


def _injection(text: str) -> bool:
    """_INJECTION matches somewhere in `text`. It is tried only where a match can start: where the
    casefolded text holds one of the start words, found by str.find (a forum thread full of "reply"
    and "answer": 0.26 ms a page by scanning _INJECTION_STARTS, 0.02 this way). Where casefold wrote
    every character as one, the positions are the text's, and a letter that IGNORECASE reads as one
    of the words' letters casefolds to it (ı aside, replaced; checked over every code point in
    tests/search/test_extract.py); elsewhere _INJECTION_STARTS finds them."""
    folded = text.casefold()
    if len(folded) != len(text):
        return any(_INJECTION.match(text, start.start()) for start in _INJECTION_STARTS.finditer(text))
    if "ı" in folded:
        folded = folded.replace("ı", "i")
    for word in (*_INJECTION_WORDS, *_INJECTION_HAN):
        at = folded.find(word)
        while at >= 0:
            if _INJECTION.match(text, at):
                return True
            at = folded.find(word, at + 1)
    return False


def _hostile(text: str) -> bool:
    return _may_be_hostile(text) and bool(
        _injection(text) or _TEMPLATE_TOKENS.search(text) or _FORGED_CITATION.search(text)
    )


def defuse(text: str) -> tuple[str, int]:
    """`text` without the paragraphs that give the model orders, carry chat-template tokens or
    forge citation markers (a paragraph that holds one such sentence is not trusted for the rest);
    also how many paragraphs were removed."""
    if not _hostile(text):
        # One scan of the whole text: a pattern that matches inside a line matches in the text
        # too, so a clean text has no hostile line (the common case, without a call per line).
        return text, 0
    kept = [line for line in text.split("\n") if not _hostile(line)]
    return "\n".join(kept), text.count("\n") + 1 - len(kept)


def safe_line(text: str) -> str:
    """A one-line field (title, snippet) as data: emptied when it addresses the model."""
    text, _ = defuse(" ".join(text.split()))
    return text.strip()


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def drop_leading_title(text: str, *titles: str | None) -> str:
    """The text without a first line that only repeats the title (trafilatura keeps the <h1>)."""
    first, _, rest = text.partition("\n")
    head = _norm(first)
    if not head or not rest.strip():
        return text
    for title in titles:
        if not title:
            continue
        candidates = {_norm(title)} | {_norm(part) for part in re.split(r"\s+[|–—-]\s+|\s*_\s*", title)}
        if head in candidates:
            return rest.lstrip("\n")
    return text


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
# _CONTROL's characters below U+0080, as UTF-8 bytes: in UTF-8 these bytes stand for these
# characters only (every byte of a longer sequence is 0x80 or more).
_CONTROL_BYTES = bytes((*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))


def _garbled(text: str) -> bool:
    """Text that decoded into replacement and control characters: a binary, or a wrong charset."""
    sample = text[:100_000]
    # _CONTROL's matches counted in C: the control bytes of the UTF-8 form (one translate), plus
    # the replacement characters (a page's 0.24 ms by findall -> 0.11)
    raw = sample.encode("utf-8", "surrogatepass")
    count = len(raw) - len(raw.translate(None, _CONTROL_BYTES)) + sample.count("\ufffd")
    return bool(sample) and count > 0.005 * len(sample) + 2


def clean_plain(text: str) -> str:
    """Paragraphs of plain text: control characters out, spaces collapsed in each line, at most one
    blank line in a row (web pages, PDFs and the local index's files alike)."""
    text = _CONTROL.sub("", text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _cap(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip()


# --- HTML -------------------------------------------------------------------------------------


def trafilatura_extract(html: str, url: str) -> dict[str, str | None]:
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        favor_precision=True,  # better to lose a marginal paragraph than to keep a cookie banner
    )
    if doc is None:
        return {}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    return {key: data.get(key) for key in ("text", "title", "date", "sitename")}


def extract_page(
    fetched: Fetched, result: SearchResult, extractor: Extractor = "fast", *, recall_check: bool = True
) -> Page:
    """The page's main text (or a PDF's text), its title, date and site; runs in a parse worker (it
    parses untrusted bytes). `extractor` chooses how an HTML page's main text is found (EXTRACTORS);
    `recall_check` compares the extraction with the page's visible paragraphs and falls back when
    it lost the article."""
    meta: dict[str, str | None] = {}
    if fetched.is_pdf:
        try:
            text, pdf_title = pdf_text(fetched.body)
        except Exception as exc:
            return snippet_page(result, f"unreadable PDF: {type(exc).__name__}: {exc}", "unreadable")
        meta = {"title": pdf_title}
        body = clean_plain(text)
    else:
        text = decode(fetched.body, fetched.charset)
        if _garbled(text):
            return snippet_page(result, "binary or undecodable content", "unreadable")
        if fetched.content_type == "text/plain":
            body = clean_plain(text)
        elif extractor in ("fast", "lean"):
            meta, body, fallback = html_text.extract_html(
                text, fetched.final_url, recall_check=recall_check, lean=extractor == "lean"
            )
            body = _clean_extracted(body, fallback, result)
        else:
            meta = trafilatura_extract(text, fetched.final_url)
            body, fallback = meta.get("text") or "", None
            if recall_check:
                body, fallback = recall.checked(text, fetched.final_url, body)
            body = _clean_extracted(body, fallback, result)
    # body is clean_plain's output on every path above, and stays so without its first line: it is
    # cleaned again only where defuse removed lines (which may leave a run of blank lines)
    body = drop_leading_title(body, meta.get("title"), result.title)
    body, removed = defuse(body)
    if removed:
        log.info("%s: removed %d instruction-like sentences or tokens", result.url, removed)
        body = clean_plain(body)
    body = _cap(body)
    snippet = safe_line(result.snippet)
    page = Page(
        url=result.url,
        title=safe_line(result.title) or safe_line(meta.get("title") or "") or result.url,
        text=body,
        snippet=snippet,
        date=meta.get("date") or result.date,
        site_name=safe_line(meta.get("sitename") or "") or None,
    )
    size = count_tokens_up_to(body, MIN_TOKENS)
    if size < MIN_TOKENS and (count_tokens(snippet) > size or not body or _WALL.search(body)):
        page.text = snippet
        page.from_snippet = True
        page.fallback = "no_text"
        page.error = "no readable main text" if body else "no text extracted"
    elif not body:
        page.error = "no text extracted"
    return page


def _clean_extracted(body: str, fallback: str | None, result: SearchResult) -> str:
    if fallback:
        log.info("%s: extraction lost the article; %s text used", result.url, fallback)
    return clean_plain(body)


def snippet_page(result: SearchResult, error: str | None, fallback: Fallback = "error") -> Page:
    """The page as far as the search engine described it; `fallback` says why."""
    snippet = safe_line(result.snippet)
    return Page(
        url=result.url,
        title=safe_line(result.title) or result.url,
        text=snippet,
        snippet=snippet,
        date=result.date,
        from_snippet=True,
        fallback=fallback,
        error=error,
    )


async def extract(fetched: Fetched, result: SearchResult, workers: WorkerPool, extractor: Extractor = "fast") -> Page:
    """The page, parsed in a worker process (trafilatura, lxml, pypdf and charset detection never
    run in the server's process: they crash natively under threads). A worker that dies, overruns
    the deadline or its memory cap costs this page only: its snippet stands in."""
    if fetched.error:
        return snippet_page(result, fetched.error, "fetch_failed")
    try:
        return await workers.run("search.extract:extract_page", fetched, result, extractor)
    except WorkerLost as exc:
        log.warning("extracting %s: %s", result.url, exc)
        return snippet_page(result, str(exc), f"worker_{exc.cause}")
    except (ParseFailed, WorkerPoolClosed) as exc:
        log.info("extracting %s failed: %s", result.url, exc)
        return snippet_page(result, str(exc), "unreadable" if isinstance(exc, ParseFailed) else "error")
