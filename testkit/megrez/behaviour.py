"""What the scripted Megrez writes for a conversation: answer directly, call `search` with a query
written from the conversation, or answer an observation's `[[citation:N]]` contexts with citations.
Pure (no I/O); the server asks it for every generation that is not scripted."""

from __future__ import annotations

import json
import re

import testkit.megrez.careless as carelessly
from testkit.megrez.language import (
    EN_FOLLOW_MARKER_RE,
    EN_PRONOUN_RE,
    EN_STOP,
    EN_SUBSTITUTE_RE,
    EN_WORD_RE,
    NUMERIC_EN_RE,
    NUMERIC_ZH_RE,
    SENTENCE_SPLIT_RE,
    ZH_PRONOUN_RE,
    en_clean,
    en_proper_nouns,
    is_chinese,
    stem,
    subject_of,
    terms,
    zh_clean,
    zh_subject,
)
from testkit.megrez.planner import Plan, evidence_sentence, next_search, plan_for
from testkit.megrez.replies import (
    CONDENSE_RE,
    RELATED_RE,
    condensed_page,
    own_knowledge_reply,
    related_questions,
    small_talk_reply,
    writing_reply,
)
from testkit.megrez.template import CALL_RE, CJK_RE, FUNC_NAME_RE, content_text, function_call

_CTX_HEAD_RE = re.compile(r"^\[\[citation:\s*(\d+)\s*\]\][ \t]*(.*)$", re.M)
CITATION_STYLES = {
    "canonical": "[citation:{n}]",
    "spaced": "[citation: {n}]",
    "bare": "[{n}]",
    "leading_space": "[ citation:{n}]",
}
EN_NOT_FOUND = "I could not find the answer to this question in the search results."
ZH_NOT_FOUND = "抱歉，搜索结果中没有找到这个问题的答案。"


def parse_contexts(observation: str) -> list[dict]:
    """`[[citation:N]] Title (url)` blocks -> [{"n", "title", "url", "text"}] (the answer prompt's
    trailing instruction paragraph removed from the last block)."""
    heads = list(_CTX_HEAD_RE.finditer(observation))
    contexts = []
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(observation)
        text = observation[head.end() : end].strip("\n")
        if i == len(heads) - 1:
            paras = re.split(r"\n\s*\n", text)
            while len(paras) > 1 and re.search(r"\[citation:N\]", paras[-1]):
                paras.pop()
            text = "\n\n".join(paras)
        header = head.group(2).strip()
        m = re.match(r"^(.*?)\s*\((\S+)\)\s*$", header)
        title, url = (m.group(1), m.group(2)) if m else (header, "")
        contexts.append({"n": int(head.group(1)), "title": title, "url": url, "text": text.strip()})
    return contexts


def _overlapping(a: str, b: str) -> bool:
    """The same sentence, or one repeating the other (a headline and its page title)."""
    return a == b or (min(len(a), len(b)) >= 8 and (a in b or b in a))


class MegrezBehaviour:
    """What the scripted Megrez writes for a conversation (pure; no I/O)."""

    def __init__(
        self,
        citation_style: str = "canonical",
        inject_bad_citation: bool = False,
        max_sentences: int = 2,
        careless: list[str] | None = None,
    ):
        self.citation_style = citation_style
        self.inject_bad_citation = inject_bad_citation
        self.max_sentences = max_sentences
        # How each cited sentence is written, in order (testkit/megrez/careless.py: "correct",
        # "paraphrase", "wrong_page", "unsupported"); past the list, correctly.
        self.careless = list(careless or [])

    # -- entry point ---------------------------------------------------------------------------
    def reply(self, messages: list[dict]) -> str:
        msgs = [{"role": m.get("role", ""), "content": content_text(m.get("content"))} for m in messages]
        if not msgs:
            return ""
        system = next((m["content"] for m in msgs if m["role"] == "system"), "")
        last = msgs[-1]
        if last["role"] in ("observation", "function", "tool"):
            return self.answer(msgs)
        users = [m["content"] for m in msgs if m["role"] == "user"]
        question = users[-1] if users else last["content"]
        if last["role"] == "user" and RELATED_RE.search(question):
            return related_questions(question)
        if last["role"] == "user" and CONDENSE_RE.search(question):
            return condensed_page(question)
        offered = FUNC_NAME_RE.findall(system)
        if last["role"] == "user" and offered:
            direct = small_talk_reply(question) or writing_reply(question)
            if direct is not None:
                return direct
            name = "search" if "search" in offered else offered[0]
            return function_call(self.query(users), name)
        return small_talk_reply(question) or writing_reply(question) or own_knowledge_reply(question)

    # -- writing the query ---------------------------------------------------------------------
    def query(self, users: list[str]) -> str:
        """The search query for the last of `users`, written from the earlier ones."""
        question = users[-1]
        prev = users[:-1]
        if is_chinese(question):
            return self._zh_query(question, prev)
        return self._en_query(question, prev)

    def _en_query(self, question: str, prev: list[str]) -> str:
        q = en_clean(question)
        if not prev:
            return q or question.strip()
        own = en_proper_nouns(q)
        words = EN_WORD_RE.findall(q)
        marker = EN_FOLLOW_MARKER_RE.search(q)
        if own and EN_SUBSTITUTE_RE.search(q):
            prev_query = self.query(prev)
            prev_subject = subject_of(prev_query)
            if prev_subject and prev_subject in prev_query:
                return prev_query.replace(prev_subject, " ".join(own), 1)
            return " ".join(own) + " " + prev_query
        if not own and (marker or EN_PRONOUN_RE.search(q) or len(words) <= 3):
            prev_query = self.query(prev)
            subject = subject_of(prev_query)
            subject_words = {w.lower() for w in EN_WORD_RE.findall(subject)}
            content = [w for w in words if w.lower() not in EN_STOP and w.lower() not in subject_words]
            return " ".join([subject, *content]).strip() if content else prev_query
        return q or question.strip()

    def _zh_query(self, question: str, prev: list[str]) -> str:
        q = zh_clean(question)
        if not prev:
            return q or question.strip()
        follow = (
            re.match(r"^(?:那么|那|还有|另外|而且|而|它|这)", q)
            or ZH_PRONOUN_RE.search(q)
            or (len(CJK_RE.findall(q)) <= 6 and question.strip().rstrip("？?").endswith("呢"))
        )
        if not follow:
            return q or question.strip()
        subject = subject_of(self.query(prev))
        s = re.sub(r"^(?:那么|那|还有|另外|而且|而)[，,\s]*", "", q)
        s = re.sub(r"呢$", "", s)
        if ZH_PRONOUN_RE.search(s):
            return ZH_PRONOUN_RE.sub(lambda m: subject + ("的" if m.group(0).endswith("的") else ""), s, count=1)
        return subject + s

    # -- answering from contexts ---------------------------------------------------------------
    def _marker(self, n: int) -> str:
        return CITATION_STYLES.get(self.citation_style, self.citation_style).format(n=n)

    def answer(self, msgs: list[dict], *, may_call: bool = True) -> str:
        users = [m["content"] for m in msgs if m["role"] == "user"]
        plan = plan_for(users[-1]) if users else None
        if plan is not None:
            return self.answer_plan(plan, msgs, may_call=may_call)
        observation = msgs[-1]["content"]
        query = ""
        for m in reversed(msgs[:-1]):
            if m["role"] == "assistant":
                call = CALL_RE.search(m["content"])
                if call:
                    try:
                        query = str(json.loads(call.group(1))["arguments"]["query"])
                    except Exception:
                        query = call.group(1)
                break
        if not query:
            m = re.search(r'(?:results for|关于)\s*["“](.*?)["”]', observation)
            query = m.group(1) if m else ""
        question = users[-1] if users else query
        zh = is_chinese(question)
        contexts = parse_contexts(observation)
        chosen = self._choose(contexts, question, query)
        if not chosen:
            return ZH_NOT_FOUND if zh else EN_NOT_FOUND
        if self.careless:
            chosen = self._carelessly(chosen, [c["n"] for c in contexts], "zh" if zh else "en")
        parts = []
        for k, (sentence, nums) in enumerate(chosen):
            if self.inject_bad_citation and k == len(chosen) - 1:
                nums = [*nums, 99]
            marker = "".join(self._marker(n) for n in nums)
            s = sentence.strip()
            end = re.search(r"[.!?。！？]+$", s)
            if end:
                s = s[: end.start()] + marker + end.group(0)
            else:
                s = s + marker + ("。" if is_chinese(s) else ".")
            parts.append(s)
        if zh:
            return "根据搜索结果，" + "".join(parts)
        text = " ".join(parts)
        return ("According to the search results: " + text) if is_chinese(text) else text

    def _carelessly(self, chosen: list[tuple[str, list[int]]], numbers: list[int], language: str) -> list[tuple[str, list[int]]]:
        """Each chosen sentence written as `careless` says (a sentence beyond the list: as read).
        A wrong page is the next context after the sentence's own."""
        written = []
        for k, (sentence, nums) in enumerate(chosen):
            kind = self.careless[k] if k < len(self.careless) else "correct"
            own = nums[0]
            after = numbers[numbers.index(own) + 1 :] + numbers[: numbers.index(own)] if own in numbers else numbers
            text, cited = carelessly.write(sentence, own, after, kind, language)
            written.append((text, [cited]))
        return written

    def answer_plan(self, plan: Plan, msgs: list[dict], *, may_call: bool) -> str:
        """A multi-part question: cite each part the contexts answer, search again for a missing one."""
        last_user = max(i for i, m in enumerate(msgs) if m["role"] == "user")
        turn = msgs[last_user + 1 :]
        read = [m["content"] for m in turn if m["role"] in ("observation", "function", "tool")]
        contexts = [context for text in read for context in parse_contexts(text)]
        written = re.sub(
            r"\[\s*(?:citation\s*:\s*)?\d+\s*\]", "", "\n".join(m["content"] for m in turn if m["role"] == "assistant")
        )
        zh = is_chinese(plan.question)
        parts = []
        said: set[str] = set()
        for part in plan.parts:
            found = evidence_sentence(part, contexts)
            if found is None:
                continue
            sentence, n = found
            if sentence in written or sentence in said:
                continue  # said before an earlier call, or for another part: the reader has it
            said.add(sentence)
            end = re.search(r"[.!?。！？]+$", sentence)
            body, stop = (sentence[: end.start()], end.group(0)) if end else (sentence, "。" if zh else ".")
            parts.append(f"{body}{self._marker(n)}{stop}")
        text = "".join(parts) if zh else " ".join(parts)
        fresh = bool(read) and bool(parse_contexts(read[-1]))  # a note with no contexts: answer now
        wanted = next_search(plan, contexts, len(read)) if may_call and fresh else None
        if wanted is not None:
            return (text + " " if text else "") + function_call(wanted.query)
        missing = [part.missing for part in plan.parts if evidence_sentence(part, contexts) is None]
        tail = ("" if zh else " ").join(missing)
        answer = (text + ("" if zh else " ") + tail).strip() if tail else text
        return answer or (ZH_NOT_FOUND if zh else EN_NOT_FOUND)

    def _choose(self, contexts: list[dict], question: str, query: str) -> list[tuple[str, list[int]]]:
        asked = f"{question}\n{query}"
        q_terms = terms(asked)
        # The subject: proper nouns (English) / the key noun phrase (Chinese); a context must name it.
        keys: list[set[str]] = []
        for phrase in en_proper_nouns(question) + en_proper_nouns(query):
            keys.append({stem(w) for w in EN_WORD_RE.findall(phrase) if w.lower() not in EN_STOP})
        for text in (question, query):
            if is_chinese(text):
                subject = zh_subject(text)
                if subject:
                    keys.append(terms(subject))
        keys = [k for k in keys if k]
        subject_terms = set().union(*keys) if keys else set()
        content_terms = q_terms - subject_terms
        numeric = bool(NUMERIC_EN_RE.search(asked) or NUMERIC_ZH_RE.search(asked))

        candidates = []  # (score, order, sentence, n)
        for ci, ctx in enumerate(contexts):
            ctx_terms = terms(ctx["title"] + "\n" + ctx["text"])
            title_terms = terms(ctx["title"])
            # A page names the subject in its text, or is about it by its title ("Aurora Bridge opens …"
            # is about the Aurora Bridge in Veldmark though its article never repeats the city).
            eligible = not keys or any(
                len(k & ctx_terms) >= max(1, (len(k) + 1) // 2)
                if any(CJK_RE.search(t) for t in k)
                else k <= ctx_terms or len(k & title_terms) >= max(2, (len(k) + 1) // 2)
                for k in keys
            )
            if not eligible:
                continue
            for si, sentence in enumerate(s for s in SENTENCE_SPLIT_RE.split(ctx["text"]) if s and s.strip()):
                s_terms = terms(sentence)
                content = len(content_terms & s_terms)
                subject = len(subject_terms & s_terms)
                if not content and not subject and not keys:
                    continue
                score = content + 0.3 * subject + (0.5 if numeric and re.search(r"\d", sentence) else 0.0)
                if score > 0:
                    candidates.append((score, (ci, si), sentence.strip(), ctx["n"], content))
        if not candidates:
            return []
        candidates.sort(key=lambda c: (-c[0], c[1]))
        best = candidates[0][0]
        chosen: list[tuple[str, list[int]]] = []
        for score, _, sentence, n, content in candidates:
            norm = re.sub(r"\W+", "", sentence.lower())
            same = next((c for c in chosen if _overlapping(re.sub(r"\W+", "", c[0].lower()), norm)), None)
            if same is not None:
                if n not in same[1]:
                    same[1].append(n)
                continue
            if chosen and (len(chosen) >= self.max_sentences or score < max(0.75 * best, 1.0) or not content):
                continue
            chosen.append((sentence, [n]))
        return chosen

