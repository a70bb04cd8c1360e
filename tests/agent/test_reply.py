"""A reply that goes round in circles (a small model's loop) is stopped there: the generation is closed,
and what was shown is the answer."""

from __future__ import annotations

from agent.reply import LoopCheck, repeating, stream_reply
from inference.base import GenerationParams, Message, TextStream


def test_a_sentence_said_again_or_a_phrase_three_times_over_is_a_loop():
    assert repeating("The bridge cost 420 million euros. It opened in 2021. The bridge cost 420 million euros.")
    assert repeating("Aurora Bridge in Veldmark, 2022, 2022, 2022, 2022,")
    assert repeating("青川大桥全长1.2公里。它于2019年通车。青川大桥全长1.2公里。")


def test_an_ordinary_answer_a_table_and_a_short_repeat_are_not():
    assert not repeating("The bridge cost 420 million euros [1]. It opened in May 2021 [2].")
    assert not repeating("| year | cost |\n| --- | --- | --- | --- |\n")
    assert not repeating("Yes. Yes.")  # too short to say anything twice
    assert not repeating("1, 2, 3, 4, 5, 6, 7, 8")


class Looping:
    """A model that writes one sentence, then the same sentence forever (until its stream is closed)."""

    def __init__(self):
        self.closed = False
        self.sent = 0

    def chat_stream(self, messages, params, route=None, **kwargs):
        async def produce(result):
            try:
                yield "It opened in 2021. "
                while True:
                    self.sent += 1
                    yield "The bridge cost 420 million euros. "
            finally:
                self.closed = True

        return TextStream(produce)


async def test_the_loop_is_stopped_and_what_was_shown_is_kept():
    model = Looping()
    reply = await stream_reply(model, [Message(role="user", content="?")], GenerationParams(), sources=set(), show=False)
    assert reply.looped and model.closed and model.sent == 2
    assert reply.text == "It opened in 2021. The bridge cost 420 million euros. The bridge cost 420 million euros. "


def _repeating_as_written_first(text: str) -> bool:
    """`repeating` as it was first written (a scan from every start): the reference the fast ones keep."""
    import re

    unbroken = re.sub(r"(?<=\d)\.(?=\d)", "·", text)
    sentences = [" ".join(s.split()).lower() for s in re.findall(r"[^.!?。！？\n]+[.!?。！？\n]", unbroken)]
    if len(sentences) >= 2 and len(sentences[-1]) >= 10 and sentences[-1] in sentences[:-1]:
        return True
    tail = text[-240:]
    return any(
        tail[-period:] == tail[-2 * period : -period] == tail[-3 * period : -2 * period]
        and any(c.isalnum() for c in tail[-period:])
        for period in range(4, len(tail) // 3 + 1)
    )


def test_the_check_as_a_reply_streams_agrees_with_the_whole_text_at_every_step():
    # Numbers that end a sentence and then go on ("1." then "2"), repeats, Chinese, tables, lines.
    import random

    pieces = ["It cost 1", ".", "2", " million", ". ", "The bridge cost 420 million euros", "! ", "? ", "\n",
              "青川大桥全长1", "。", "公里", "| a | b |", "--- ", "2022, ", "Yes", "Opened in 2021", " ", "...", "A"]
    steps = ["It cost 1", ".", "2 million. ", "It cost 1", "."]  # "1." read as a sentence, then as 1.2
    check = LoopCheck()
    for n in range(1, len(steps) + 1):
        assert check("".join(steps[:n])) == _repeating_as_written_first("".join(steps[:n])) is False
    rng = random.Random(25)
    for _ in range(1000):
        check, text = LoopCheck(), ""
        for _ in range(rng.randint(1, 40)):
            text += "".join(rng.choice(pieces) for _ in range(rng.randint(1, 3)))
            assert check(text) == _repeating_as_written_first(text) == repeating(text), repr(text)
