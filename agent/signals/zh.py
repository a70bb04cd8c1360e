"""The Chinese half of the search rule (agent/classify.py): its signals and how they add up."""

from __future__ import annotations

import re

from agent.signals.common import CJK, TEXT_ORIGIN, YEAR_OR_NUMBER, ZH_QUESTION, Verdict, about_us, before_text

# --- no search: small talk, writing, translation ----------------------------------------------
_ZH_SMALL_TALK = re.compile(
    r"^(?:你|您)?(?:非常|十分|太|真是)?(?:你好|您好|嗨|哈喽|早上好|下午好|晚上好|晚安|谢谢|多谢|感谢|再见|拜拜|你是谁|你叫什么|你能做什么|你好吗|"
    r"最近好吗|最近怎么样|最近还好吗|在吗|在不在|在么|在嘛|有人在?|(?:你)?人呢|好的|"
    r"(?:你|您)?(?:今天|最近|这几天|这周)?过得(?:怎么样|咋样|如何|好吗|还好吗?)|没问题|辛苦了|真的|是|为什么|什么意思|然后|怎么了|对|你确定)[\s，,。.！!？?~～呀啊哦啦吗呢你您]*$"
)
ZH_WRITING = re.compile(r"^(?:请|帮我|麻烦|你能|能不能|可以)?(?:帮我)?"
                        # in a language, a voice or a style the user names: "用Python写", "用鲁迅的口吻写"
                        r"(?:用(?:(?!什么|哪)[^，,。！!？?\s]){1,12}?(?:写|翻译|改写|重写|总结|概括|描述|解释|表达)|"
                        r"翻译|改写|润色|重写|校对|缩写|缩短|精简|扩写|写一|写首|写个|写篇|写封|写段|编写|编一|"
                        r"总结一下|概括一下|把这|修改这|修改一下|改一下|改改|纠正)")
_ZH_TRANSLATE = re.compile(r"翻译|译成|用英语怎么说|用中文怎么说|英文怎么说")
# A message about text it carries or points at ("这段代码哪里错了：…", "下面这句话通顺吗"): the answer is in the message, unless it asks, before the text, where the text comes
# from ("这句话出自哪里：…"; a "who" inside the text asks nothing).
_ZH_GIVEN_TEXT = re.compile(
    r"(?:这|下面|以下|上面|我)(?:一)?(?:段|句|篇|个|封|份|行|条|道)?(?:的)?"
    r"(?:代码|程序|函数|脚本|话|句子|文字|文本|段落|文章|作文|邮件|文案|简历|题目?)(?![员师家猿])"
)
# The user's own feelings, told with a degree word or as their own ("压力好大", "我很焦虑", "心情不好"),
# asking what to do: personal advice, not a look-up ("焦虑怎么办" alone is a how-to and searches).
_ZH_FEELING = re.compile(
    r"(?:我|我的|最近|好|太|真|有点|有些|挺|很|特别|非常|超级?)(?:心情)?(?:饿|困|累|烦|忙|闷|难过|伤心|无聊|紧张|焦虑|郁闷|孤独|迷茫|"
    r"难受|沮丧|崩溃|烦躁|委屈|失落|emo|心累|自卑|害怕|不开心|不好)|压力(?:好|太|很|特别|有点|非常)?大|心情不好|不开心|失恋|分手了"
)
_ZH_ADVICE = re.compile(r"^[^谁哪多]*(?:怎么办|该怎么[办做]|怎么调整|怎么缓解|怎么走出来|怎么面对)[\s？?。!！啊呀呢吧]*$")
# Questions about the assistant itself (its tastes, its nature, whether it can help): nothing to search
# for, unless they also ask a fact (who, when, a name, a year...).
_ZH_ABOUT_YOU = re.compile(r"^(?:请问)?(?:你|您)")
# ...and about its own tastes, age or nature, even when asked with 哪/几 ("猫和狗你更喜欢哪个"): chat, unless they ask it to look something up.
_ZH_YOURSELF = re.compile(r"[你您](?:更|最|比较|还)?(?:喜欢|爱|觉得|认为|想|会|是|几岁|多大|叫|在)")
# Chat said anywhere in a Chinese message: thanks, farewells, praise, laughter, acknowledgements,
# and asking for the last answer again, simpler or shorter ("说得简单一点", "请再短一点").
_ZH_CHAT = re.compile(
    r"谢谢|谢[啦了咯喽]|多谢|感谢|晚安|再见|拜拜|[明回改]天见|回头[见聊]|下次聊|改天聊|哈哈|嘿嘿|呵呵|^[哇嗯哦噢喂嘿哎唉]|"
    r"干得|真棒|太棒|好棒|厉害|漂亮|太逗|幽默|^(?:算了|没事|没关系|不好意思|对不起|不客气|不用了|好的|好吧|行吧|可以的|是的|对的|收到|知道了|明白了)|"
    r"(?:简单|简短|详细|具体|短|慢)(?:一)?[点些]|说点|再说|"
    # reactions to the last answer, wishes for the night, asking the assistant what it is up to
    r"^(?:有意思|没意思|一般般?|还行|不错|可以可以|有道理|原来如此)[\s!！。.~～啊呀哦吧啦嘛]*$|好好休息|早点[睡休]|注意身体|在干嘛|干嘛呢|忙(?:什么|啥)"
)
# Remarks rather than questions: a feeling ("有点饿了", "好无聊"), a wish ("周末愉快"), an exclamation
# ("今天天气真好"), a sentence ended by a particle ("今天好冷啊", "讲个故事吧", "不聊了") — chat when nothing
# in them asks (an interrogative word or particle) or names a thing.
_ZH_REMARK = re.compile(
    r"(?:好|太|真|有点|挺)(?:饿|困|累|冷|热|无聊|紧张|开心|高兴|难过|伤心|烦|忙|闷|兴奋)|^[饿困累冷热烦忙闷]了|真好|太好了|"
    r"(?:快乐|愉快|顺利|加油|保重|[啊呀鸭啦哦嘛哇吧了])[\s!！。.~～\u2600-\u27bf\U0001f300-\U0001faff]*$"
)
_ZH_ASKING = re.compile(r"什么|怎么|为什么|如何|谁|哪|几|多少|多[高长远大重深宽久快]|是否|有没有|是不是|[吗呢？?]")
_ZH_ABOUT_ME = re.compile(r"我(?![国省市校军方])(?![^《》]*》)")  # "我国" is a country; 《我和我的祖国》 a film
_ZH_LOOK_UP = re.compile(r"想知道|[你您]知道|知不知道|[查搜]|告诉我|介绍|了解一下|想问|请问")
_ZH_STRONG = re.compile(r"谁|哪|多少|何时|什么时候|最新|新闻|价格")

# --- search: people, places, numbers, dates, news, prices, "latest" --------------------------
_ZH_FACTUAL = re.compile(
    r"谁|哪里|哪儿|哪个|哪家|哪位|哪一年|哪年|多少|几[个年月日号点岁次名]|什么时候|何时|何地|最新|最近|近期|新闻|消息|"
    r"今天|今年|去年|明天|昨天|本周|本月|现在|目前|价格|多少钱|售价|股价|汇率|天气|比分|成绩|结果|冠军|获奖|"
    r"发布|上市|开通|开幕|举行|宣布|当选|总统|总理|市长|首都|人口|位于|地址|成立|出生|去世|总投资|造价|纪录|"
    # superlatives, how-to and what-is questions asked mid-sentence, winners, distances, last night's games
    r"最[高大长深远快便宜贵好强小新老]|症状|副作用|怎么办|怎么(?!样|说)|如何|得主|多[高长远大重深宽久快]|哪(?!怕)|"
    r"是什么|什么是|有什么|区别|影响|昨晚|今晚|门票|票价|时间|时刻|[末首]班"
)
# Names a look-up is about wherever they sit: a Latin-lettered name ("华为Mate 70", "GDP"), a title in 《》, a number with its unit.
ZH_NAME = re.compile(
    r"(?<![A-Za-z])(?!(?i:ok|okay|lol|hi|hello|hey|thx|thanks?|ty|bro|sis|dude|guys?|man|sorry|pls|plz|please|bye|yeah|yes|nice|cool|wow|omg|h+|ha(?:ha)+|em+)(?![A-Za-z]))[A-Za-z][A-Za-z0-9]+|《[^》]+》|"
    r"\d+(?:\.\d+)?\s*(?:年|月|日|号|米|公里|千米|元|块|万|亿|岁|克|斤|度)"
)
# A Chinese message that speaks to the assistant (you, me, a request) rather than naming a thing.
_ZH_TO_YOU = re.compile(r"[你您我]|^(?:请(?!问)|帮忙|麻烦|再[来说讲写]|说[说点个一]|讲[讲个一]|能不能|能否|可不可以|可以|来[个首段一])")


def classify_zh(q: str) -> Verdict:
    if _ZH_SMALL_TALK.match(q) or _ZH_TRANSLATE.search(q):
        return "chat"
    if _ZH_GIVEN_TEXT.search(q) and not TEXT_ORIGIN.search(before_text(q)):
        return "chat"
    if _ZH_FEELING.search(q) and _ZH_ADVICE.search(q) and not _ZH_LOOK_UP.search(q):
        return "chat"
    # Chat signals give way to what asks for a fact: a name, who/where/how much, "look it up".
    names = YEAR_OR_NUMBER.search(q) or ZH_NAME.search(q)
    asks = _ZH_STRONG.search(q) or names
    looks_up = _ZH_LOOK_UP.search(q)
    if about_us(q, _ZH_FACTUAL, _ZH_LOOK_UP) and not names:
        return "chat"
    if _ZH_CHAT.search(q) and not (asks or looks_up):
        return "chat"
    if _ZH_REMARK.search(q) and not (_ZH_ASKING.search(q) or names or looks_up):
        return "chat"
    if _ZH_YOURSELF.search(q) and not looks_up:
        return "chat"
    if _ZH_ABOUT_YOU.match(q) and not (asks or _ZH_FACTUAL.search(q)):
        return "chat"
    # one's own feelings, told with no "I" ("最近压力好大，睡不着"), unless beside a name ("好饿啊，KFC")
    if (_ZH_ABOUT_ME.search(q) or (_ZH_FEELING.search(q) and not names)) and not ZH_QUESTION.search(q) and not (_ZH_STRONG.search(q) or looks_up):
        return "chat"
    if _ZH_FACTUAL.search(q) or names or looks_up:
        return "search"
    # What is left names something and says nothing to the assistant: a bare look-up ("长江全长",
    # "清华大学校长"); when in doubt about a fact, search.
    if len(CJK.findall(q)) >= 3 and not _ZH_TO_YOU.search(q):
        return "search"
    return None
