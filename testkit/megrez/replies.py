"""Replies that need no search: small talk, thanks, arithmetic, writing, the model's own knowledge,
and the two side tasks the service asks for (condensing a page, suggesting follow-up questions)."""

from __future__ import annotations

import ast
import operator
import re

from testkit.megrez.language import (
    SENTENCE_SPLIT_RE,
    en_clean,
    en_proper_nouns,
    is_chinese,
    terms,
    zh_clean,
    zh_subject,
)

_EN_GREET = {
    "hello",
    "hi",
    "hey",
    "hiya",
    "howdy",
    "greetings",
    "yo",
    "good morning",
    "good afternoon",
    "good evening",
    "good day",
}
_EN_THANKS = (
    "thanks",
    "thank you",
    "thx",
    "ty",
    "many thanks",
    "cheers",
    "much appreciated",
    "great thanks",
    "ok thanks",
    "okay thanks",
)
_EN_BYE = {"bye", "goodbye", "good bye", "see you", "see ya", "bye bye", "good night"}
_EN_SMALLTALK = {
    "how are you",
    "how are you doing",
    "how is it going",
    "hows it going",
    "who are you",
    "what is your name",
    "whats your name",
    "what can you do",
    "nice to meet you",
    "are you there",
    "introduce yourself",
}
_ZH_GREET = {
    "你好",
    "您好",
    "嗨",
    "哈喽",
    "哈啰",
    "早上好",
    "下午好",
    "晚上好",
    "早安",
    "你好呀",
    "你好啊",
    "大家好",
    "在吗",
}
_ZH_THANKS = ("谢谢", "多谢", "感谢", "谢啦", "谢了", "太感谢")
_ZH_BYE = {"再见", "拜拜", "晚安", "回头见"}
_ZH_SMALLTALK = {"你是谁", "你叫什么名字", "你好吗", "你能做什么", "你会什么", "介绍一下你自己", "自我介绍一下"}
_WRITING_RE = re.compile(
    r"^(?:translate|write|compose|draft|rewrite|proofread|翻译|帮我写|请写|写一|写个|改写|润色)", re.I
)

_ARITH_RE = re.compile(
    r"^(?:what\s+is|what's|whats|calculate|compute|how\s+much\s+is|计算一下|计算|算一下|请计算)?\s*"
    r"([\d\s.+\-*/×÷()xX^]+?)\s*(?:=|等于多少|等于几|等于|是多少)?\s*[?？]?$",
    re.I,
)
_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def _eval_arith(expr: str) -> float | None:
    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            left, right = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Pow) and abs(right) > 64:
                raise ValueError("too big")
            return _OPS[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.operand))
        raise ValueError("not arithmetic")

    try:
        return ev(ast.parse(expr, mode="eval").body)
    except Exception:
        return None


def _arith(question: str) -> tuple[str, str] | None:
    m = _ARITH_RE.match(question.strip())
    if not m:
        return None
    shown = m.group(1).strip()
    if not re.search(r"\d", shown) or not re.search(r"[+\-*/×÷xX^]", shown):
        return None
    expr = shown.replace("×", "*").replace("÷", "/").replace("^", "**")
    expr = re.sub(r"(?<=[\d)\s])[xX](?=[\d(\s])", "*", expr)
    value = _eval_arith(expr)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = f"{value:.6g}" if isinstance(value, float) else str(value)
    return shown, result


def _norm_chat(text: str) -> str:
    t = re.sub(r"[^\w\s]", "", text.lower().replace("’", "'").replace("'", ""))
    t = re.sub(r"\s+", " ", t).strip()
    t = re.sub(r"\s+(?:megrez|there|friend|everyone|all|again|so much|very much|a lot)$", "", t)
    return t


def small_talk_reply(question: str) -> str | None:
    """A direct reply when the question is small talk, thanks or simple arithmetic, else None."""
    zh = is_chinese(question)
    arith = _arith(question)
    if arith:
        shown, result = arith
        return f"{shown} 等于 {result}。" if zh else f"{shown} = {result}."
    if zh:
        t = re.sub(r"[\s，,。.！!？?~～、]+", "", question)
        t = re.sub(r"(?:megrez|Megrez|呀|啊|哦|啦)+$", "", t) or t
        if t in _ZH_GREET:
            return "你好！我是 Megrez，由无问芯穹开发的智能助手。有什么可以帮你的吗？"
        if t.startswith(_ZH_THANKS) and len(t) <= 8:
            return "不客气！还有什么可以帮你的吗？"
        if t in _ZH_BYE:
            return "再见！祝你一切顺利。"
        if t in _ZH_SMALLTALK:
            return "我是 Megrez，由无问芯穹开发的智能助手，可以回答问题、联网搜索最新信息，也可以帮你写作和做数学题。"
        return None
    t = _norm_chat(question)
    if t in _EN_GREET:
        return "Hello! I'm Megrez, an AI assistant made by Infinigence AI. How can I help you today?"
    if (t.startswith(_EN_THANKS) and len(t.split()) <= 6) or t in {"thanks", "thank you"}:
        return "You're welcome! Let me know if there's anything else I can help with."
    if t in _EN_BYE:
        return "Goodbye! Have a great day."
    if t in _EN_SMALLTALK:
        return (
            "I'm Megrez, an AI assistant made by Infinigence AI. I can answer questions, search the web "
            "for up-to-date information, and help with writing and maths."
        )
    return None


def writing_reply(question: str) -> str | None:
    if not _WRITING_RE.match(question.strip()):
        return None
    if is_chinese(question):
        return f"好的，这是根据你的要求（{zh_clean(question)}）写的初稿：\n\n（此处为示例内容。）"
    return f"Sure! Here is a first draft for your request ({en_clean(question)}):\n\n(Example content.)"


def own_knowledge_reply(question: str) -> str:
    if is_chinese(question):
        return f"根据我自己的知识（未联网搜索）：我无法确定“{zh_clean(question)}”的具体情况，建议查阅可靠的最新资料。"
    return (
        f'From my own knowledge (I have not searched the web): I am not certain about "{en_clean(question)}". '
        "You may want to check a reliable, up-to-date source."
    )


RELATED_RE = re.compile(r"follow-up questions|追问")
CONDENSE_RE = re.compile(r"Copy out the sentences of this page|原样摘录")


def condensed_page(prompt: str) -> str:
    """Extractive notes: the page's sentences that share words with the question, or NONE."""
    question = re.search(r"^(?:Question:|问题：)\s*(.+)$", prompt, re.M)
    page = re.search(r"^(?:Page:|网页：)[^\n]*\n(.*)\n\n", prompt, re.M | re.S)
    if not question or not page:
        return "NONE"
    wanted = terms(question.group(1))
    sentences = [s.strip() for s in SENTENCE_SPLIT_RE.split(page.group(1)) if s and s.strip()]
    scored = sorted(
        ((len(wanted & terms(s)) + (0.5 if re.search(r"\d", s) else 0), i, s) for i, s in enumerate(sentences)),
        reverse=True,
    )
    best = sorted((i, s) for score, i, s in scored[:3] if score >= 2)
    if not best:
        return "NONE"
    joiner = "" if is_chinese(question.group(1)) else " "
    return joiner.join(s for _, s in best)


def related_questions(prompt: str) -> str:
    """Three follow-ups about the subject of the `Question:` line, one per line (a bullet or two,
    as small models write them, so the service's clean-up is exercised)."""
    match = re.search(r"^(?:Question:|问题：)\s*(.+)$", prompt, re.M)
    question = match.group(1).strip() if match else prompt
    if is_chinese(question):
        subject = zh_subject(question) or zh_clean(question)
        return f"1. {subject}是什么时候开始建设的？\n2. {subject}由谁设计？\n3. {subject}对当地有什么影响？"
    nouns = en_proper_nouns(question)
    subject = " ".join(nouns[:1]) or en_clean(question)
    return f"- When was {subject} first planned?\n- Who designed {subject}?\n- How does {subject} compare with similar projects?"

