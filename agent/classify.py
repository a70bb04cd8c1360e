"""The cheap bilingual rule that decides for models that cannot: does this question need the web?

Used by the `plain` protocol (a model that can call nothing) and as the safety net of the others (a
model that answered a factual question from memory). It reads only the question, so it costs
microseconds and is the same for every model. Questions about people, places, numbers, dates, news,
prices or "the latest" search; greetings, thanks, wishes, feelings, questions about the assistant,
statements about oneself, rewriting, translation, writing, a question about text the message carries,
arithmetic (powers, unit conversions and sums over quantities the user gives included) and personal
advice do not. A phrase that none of these claims and that says nothing to the assistant names
something ("长江全长", "tsla earnings date"): it searches, since a fact answered from memory costs more
than a search a greeting did not need. What
it cannot place is `None`, and the caller decides (the model's own choice, or "is it a question at
all").
"""

from __future__ import annotations

import re
from typing import Literal

from agent.state import Turn

Verdict = Literal["search", "chat"] | None

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

# --- no search: small talk, arithmetic, writing, translation ---------------------------------
_EN_SMALL_TALK = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|night)|"
    r"thanks?(?: you)?(?: (?:so|very) much| a lot| a million)?|thank you|thx|cheers|bye|goodbye|see you|"
    r"how are you(?: doing)?(?: today)?|how's it going|what's up|nice to meet you|"
    r"(?:see|talk to|speak to|talk with) you(?: (?:soon|later|tomorrow))?|talk (?:soon|later|tomorrow)|"
    r"who are you|what are you|what can you do|what is your name|what's your name|ok(?:ay)?|great|cool|what's new|"
    # a reaction to the last answer that names nothing to look up
    r"really|seriously|why(?: not)?|how so|what else|is (?:that|it) (?:true|so|right)|what do you mean)"
    r"[\s,!.?]*)+(?:there|everyone|all|friend|again|megrez)?[\s,!.?]*$",
    re.I,
)
_ZH_SMALL_TALK = re.compile(
    r"^(?:你|您)?(?:非常|十分|太|真是)?(?:你好|您好|嗨|哈喽|早上好|下午好|晚上好|晚安|谢谢|多谢|感谢|再见|拜拜|你是谁|你叫什么|你能做什么|你好吗|"
    r"最近好吗|最近怎么样|最近还好吗|在吗|在不在|在么|在嘛|有人在?|(?:你)?人呢|好的|"
    r"(?:你|您)?(?:今天|最近|这几天|这周)?过得(?:怎么样|咋样|如何|好吗|还好吗?)|没问题|辛苦了|真的|是|为什么|什么意思|然后|怎么了|对|你确定)[\s，,。.！!？?~～呀啊哦啦吗呢你您]*$"
)
# A greeting before the message proper ("你好呀，…", "早啊 …", "hey, …"): the rest decides.
_GREETING_LEAD = re.compile(
    r"^(?:你好|您好|嗨|哈喽|早上好|早安|早|晚上好|下午好|hi|hello|hey|good (?:morning|afternoon|evening)|morning)"
    r"[呀啊鸭哦啦～~！!，,。.\s]+(?=\S)",
    re.I,
)
_EN_WRITING = re.compile(
    r"^(?:please\s+)?(?:can you\s+|could you\s+)?(?:translate|rewrite|rephrase|paraphrase|reword|proofread|"
    r"correct|fix|polish|shorten|summari[sz]e this|summari[sz]e the following|edit|write|compose|draft|"
    r"make (?:this|it) (?:shorter|longer|formal|polite)|turn this into|convert this)\b",
    re.I,
)
_EN_TRANSLATE = re.compile(r"\b(?:translate|translation of|how do (?:you|i) say .+ in|in (?:french|german|spanish|"
                           r"chinese|english|japanese|korean|italian|russian|portuguese))\b", re.I)
_ZH_WRITING = re.compile(r"^(?:请|帮我|麻烦|你能|能不能|可以)?(?:帮我)?"
                         # in a language, a voice or a style the user names: "用Python写", "用鲁迅的口吻写"
                         r"(?:用(?:(?!什么|哪)[^，,。！!？?\s]){1,12}?(?:写|翻译|改写|重写|总结|概括|描述|解释|表达)|"
                         r"翻译|改写|润色|重写|校对|缩写|缩短|精简|扩写|写一|写首|写个|写篇|写封|写段|编写|编一|"
                         r"总结一下|概括一下|把这|修改这|修改一下|改一下|改改|纠正)")
_ZH_TRANSLATE = re.compile(r"翻译|译成|用英语怎么说|用中文怎么说|英文怎么说")
# A message about text it carries or points at ("这段代码哪里错了：…", "what's wrong with this code: …",
# "下面这句话通顺吗"): the answer is in the message, unless it asks, before the text, where the text comes
# from ("这句话出自哪里：…"; a "who" inside the text asks nothing).
_ZH_GIVEN_TEXT = re.compile(
    r"(?:这|下面|以下|上面|我)(?:一)?(?:段|句|篇|个|封|份|行|条|道)?(?:的)?"
    r"(?:代码|程序|函数|脚本|话|句子|文字|文本|段落|文章|作文|邮件|文案|简历|题目?)(?![员师家猿])"
)
_EN_GIVEN_TEXT = re.compile(
    r"\b(?:this|the following|the above|below|my) (?:code|snippet|function|script|sentence|paragraph|text|"
    r"essay|email|letter|passage|query|regex|poem|story|resume|cv)\b",
    re.I,
)
_BEFORE_COLON = re.compile(r"[^:：]*")
_TEXT_ORIGIN = re.compile(r"谁|作者|出自|出处|来源|哪本|哪首|哪部|\b(?:who|author|source|origin|comes? from|quoted?)\b", re.I)
# The user's own feelings, told with a degree word or as their own ("压力好大", "我很焦虑", "心情不好"),
# asking what to do: personal advice, not a look-up ("焦虑怎么办" alone is a how-to and searches).
_ZH_FEELING = re.compile(
    r"(?:我|我的|最近|好|太|真|有点|有些|挺|很|特别|非常|超级?)(?:心情)?(?:饿|困|累|烦|忙|闷|难过|伤心|无聊|紧张|焦虑|郁闷|孤独|迷茫|"
    r"难受|沮丧|崩溃|烦躁|委屈|失落|emo|心累|自卑|害怕|不开心|不好)|压力(?:好|太|很|特别|有点|非常)?大|心情不好|不开心|失恋|分手了"
)
# A question about the conversation itself ("我们刚才聊到哪了", "what were we talking about"): the answer is
# in the conversation, not on the web.
_ABOUT_CONVERSATION = re.compile(
    r"(?:我们|咱们|你|我)(?:刚才|刚刚|之前|前面|上面)(?:说|聊|讲|提|问|谈)|[聊说讲]到哪|"
    r"\bwhere were we\b|\bwhat (?:were|was) (?:we|i) (?:talking|saying|asking)\b|"
    r"\b(?:you|we) (?:just |earlier |already )?(?:said|mentioned|talked about|discussed|were (?:talking|saying))\b|"
    r"\b(?:this|our) (?:chat|conversation)\b",
    re.I,
)
# Personal advice: a decision or an approach asked about one's own life or people ("should I quit my job",
# "how do I tell my boss …", "我和男朋友吵架了，我该先道歉吗", "要不要辞职"), when nothing else in the
# message is a fact to look up ("should I bring an umbrella tomorrow" searches).
_ADVICE_ASK = re.compile(
    r"要不要|该不该|应不应该|是不是该|(?:我|咱)(?:还)?(?:应该|该)|^(?:so\s+)?should i\b|\bdo you think i should\b|"
    r"\bhow (?:do|can|should) i (?:tell|ask|talk to|say no to|deal with|handle|convince|apologi[sz]e to|approach|"
    r"confront|comfort|cheer up|forgive|break up with|get over|make up with)\b",
    re.I,
)
_PERSONAL = re.compile(
    r"[妈爸他她]|父母|家人|男朋友|女朋友|男友|女友|老公|老婆|对象|朋友|同事|老板|领导|室友|同学|闺蜜|孩子|"
    r"吵架|分手|辞职|跳槽|表白|道歉|原谅|结婚|离婚|纠结|复合|冷战|"
    r"\b(?:my|our) (?:\w+ )?(?:boss|manager|friends?|mom|mum|mother|dad|father|parents?|wife|husband|partner|"
    r"girlfriend|boyfriend|sister|brother|family|coworkers?|colleagues?|roommates?|ex|kids?|son|daughter|job|crush|teacher)\b|"
    r"\b(?:him|her|them|quit|break up|apologi[sz]e|propose|confess|forgive|divorce|marry)\b",
    re.I,
)
_ZH_ADVICE = re.compile(r"^[^谁哪多]*(?:怎么办|该怎么[办做]|怎么调整|怎么缓解|怎么走出来|怎么面对)[\s？?。!！啊呀呢吧]*$")
_ARITH = re.compile(
    r"^(?:what(?:'s| is)|how much is|calculate|compute|solve|(?:帮我)?(?:计算|算)(?:一下)?|请问)?\s*[\d\s().]+"
    r"(?:(?:再|然后|then\s)?\s*(?:[-+*/×÷^xX]|加上?|减去?|乘以?|除以)\s*[\d\s().]+)+"
    r"(?:=\s*\??|equals?\s*\??|等于多少|等于几|是多少|等于)?[\s?？。!！]*$",
    re.I,
)

# An equation over a letter to solve ("把 2x+3=11 解一下", "solve 3x - 5 = 10", "x^2 = 49"): algebra on what is given.
_TERM = r"\(?(?:\d+(?:\.\d+)?[a-z]?|[a-z])(?:\^\d+|²|³)?\)?"
_EXPRESSION = rf"{_TERM}(?:\s*[-+*/]\s*{_TERM})*"
_EQUATION = re.compile(
    rf"^(?:solve|求解|解方程|帮我解|解|把)?[:：\s]*(?=[^=]*[a-z]){_EXPRESSION}\s*=\s*{_EXPRESSION}"
    r"\s*(?:解一下|求解|[,，]?\s*(?:求|solve for|find)\s*[a-z])?[\s?？。!！]*$",
    re.I,
)

# Arithmetic in words: "What is 12 times 8?", "15% of 80", "Add 19 and 23", "80的15%是多少".
_ARITH_WORDS = re.compile(
    r"^(?:what(?:'s| is)|how much is|calculate|compute)?\s*[\d.,]+\s*(?:%|percent)?\s*"
    r"(?:times|multiplied by|divided by|plus|minus|of)\s*[\d.,]+\s*[?.!]*$"
    r"|^(?:please\s+)?(?:add|subtract|multiply|divide)\s+[\d.,]+\s+(?:and|from|by|to|into)\s+[\d.,]+\s*[?.!]*$"
    r"|^[\d.]+的[\d.]+\s*%(?:是多少|等于多少|是几)?[？?。]*$",
    re.I,
)
# Powers and roots of given numbers: "What is 7 squared?", "2 to the power of 10", "square root of 144",
# "2的10次方是多少", "144的平方根", "根号2等于多少".
_ARITH_POWER = re.compile(
    r"^(?:what(?:'s| is)|how much is|calculate|compute)?\s*(?:the\s+)?(?:"
    r"[\d.]+\s*(?:squared|cubed|to the (?:power of )?\d+(?:st|nd|rd|th)?(?: power)?|\*\*\s*\d+)"
    r"|(?:square|cube) root of [\d.]+)\s*[?.!]*$"
    r"|^(?:(?:帮我)?(?:计算|算)(?:一下)?)?\s*(?:[\d.]+\s*的\s*(?:[\d.]+\s*次[方幂]|平方根?|立方根?)|根号\s*[\d.]+)"
    r"\s*(?:是多少|等于多少|等于几|是几|等于)?[？?。!！]*$",
    re.I,
)
# Converting a quantity the user gives from one unit to another ("how many ounces in 3 pounds",
# "convert 72 fahrenheit to celsius", "5公里等于多少英里", "把100华氏度换算成摄氏度"): arithmetic, not a
# look-up. Money is not a unit here: an exchange rate is looked up.
_EN_UNIT = (
    r"(?:kilo|centi|milli)?met(?:er|re)s?|km|cm|mm|m|miles?|feet|foot|ft|inch(?:es)?|yards?|yd|"
    r"(?:kilo)?grams?|kg|g|pounds?|lbs?|ounces?|oz|tons?|tonnes?|stones?|(?:milli)?lit(?:er|re)s?|ml|l|gallons?|"
    r"quarts?|pints?|cups?|tablespoons?|tbsp|teaspoons?|tsp|(?:degrees? )?(?:fahrenheit|celsius|kelvin)|°?[fc]|"
    r"mph|km/h|kph|knots?|acres?|hectares?|square (?:feet|meters|metres|miles|kilometers)|sq ft|"
    r"seconds?|minutes?|hours?|days?|weeks?|years?|bytes?|[kmgt]b|kilobytes?|megabytes?|gigabytes?|terabytes?"
)
_ZH_UNIT = (
    r"(?:平方)?(?:公里|千米|米|厘米|毫米|英里|英尺|英寸|码|海里)|公斤|千克|克|斤|两|磅|盎司|吨|升|毫升|加仑|"
    r"摄氏度|华氏度|开尔文|度|亩|公顷|小时|分钟|秒|天|周|字节|[KMGTkmgt][Bb]"
)
_UNIT_CONVERSION = re.compile(
    rf"^(?:how many|how much)\s+(?:{_EN_UNIT})\s+(?:are |is )?(?:in|is|are|make)\s+(?:a |an |one |[\d.,/]+\s*)(?:{_EN_UNIT})\s*[?.!]*$"
    rf"|^(?:please\s+)?(?:convert\s+|what(?:'s| is)\s+)?[\d.,/]+\s*(?:{_EN_UNIT})\s+(?:in|to|into|in to)\s+(?:{_EN_UNIT})\s*[?.!]*$"
    rf"|^(?:请|帮我)?(?:把|将)?\s*(?:[\d.,/]+|[一二两三四五六七八九十百千万半]+)\s*(?:{_ZH_UNIT})\s*(?:等于|是|合|换算成|转换成|换成|转成|折合|化成)(?:多少|几)?\s*(?:{_ZH_UNIT})"
    r"[\s？?。!！吗呢啊]*$",
    re.I,
)
# A calculation over quantities the user gives ("一个长方形长8米宽5米，面积是多少", "A room is 4 m by 5 m,
# what is its area?", "3个苹果和5个梨一共几个"): two numbers with their units, a quantity computed from
# them, and neither a name nor a price to look up beside them ("iPhone 16 和 iPhone 15 相差多少钱").
# A unit of one letter needs its space ("4 m", not "5G").
_ZH_COUNT = rf"[一二两三四五六七八九十百千万]+\s*(?:(?:{_ZH_UNIT})|[个只本张元块人岁颗条辆件台])"
_EN_MONEY = r"dollars?|bucks|euros?|yuan|rmb|美元|欧元"
_GIVEN_QUANTITY = re.compile(
    rf"(?<![\d.A-Za-z])\d+(?:\.\d+)?(?:\s*(?:%|(?:{_ZH_UNIT})|[个只本张元块人岁颗条辆件台]|(?:{_EN_UNIT}|{_EN_MONEY})(?<=[A-Za-z]{{2}})\b)"
    rf"|\s+[a-z]\b)|\$\s*\d+(?:\.\d+)?|{_ZH_COUNT}",
    re.I,
)
# Every number a message gives, with a unit or bare ("spend 85", "月薪12000"), and an amount of money given
# ("$84", "240 dollars", "一百块"): a sum over the user's own money is arithmetic; a price asked is not.
_NUMBER = re.compile(rf"(?<![\d.A-Za-z])\d+(?:\.\d+)?|{_ZH_COUNT}")
_GIVEN_MONEY = re.compile(rf"\$\s*\d|\d\s*(?:元|块|{_EN_MONEY})|[一二两三四五六七八九十百千万]\s*[元块]", re.I)
_COMPUTED = re.compile(
    r"面积|周长|体积|平均|总和|总共|一共|合计|相差|差多少|剩下|还剩|剩几|平分|均分|每人|\b(?:area|perimeter|volume|average|sum|"
    r"total|altogether|left over|left|remain(?:s|ing)?|difference|split|each|per person|tip)\b",
    re.I,
)
_MONEY = re.compile(r"钱|价|费|\b(?:price|cost|costs|pay|fee|fees)\b", re.I)
# Questions about the assistant itself (its tastes, its nature, whether it can help): nothing to search
# for, unless they also ask a fact (who, when, a name, a year...).
_EN_ABOUT_YOU = re.compile(
    r"\b(?:do|did|are|were|can|could|will|would|have)\s+you\b(?! call\b)|\bwhat (?:do|are) you\b(?! call\b)|\bhow do you feel\b|"
    r"\byour (?:favou?rite|opinion|hobby|hobbies|name)\b",
    re.I,
)
_ZH_ABOUT_YOU = re.compile(r"^(?:请问)?(?:你|您)")
# ...and about its own tastes, age or nature, even when asked with 哪/几/which/how old ("猫和狗你更喜欢哪个",
# "How old are you?"): chat, unless they ask it to look something up.
_EN_YOURSELF = re.compile(
    r"\bhow old are you\b|^any plans\b|\byou (?:like|love|prefer|enjoy|dream|feel|hate|believe|live|sleep|wake)\b|"
    r"\b(?:are|were) you(?: doing)?\s*(?:today|now)?[?!.]*$|\b(?:are|were) you (?:a|an|real|human|alive|ok|okay|happy|sad|sure|"
    r"free|busy|bored|tired|doing)\b|\b(?:made|created|built|trained|designed|developed|named) you\b|"
    r"\bwhat(?:'s| is) up with you\b|\bhow(?:'s| is| was| were| are) your\b|\byour (?:favou?rite|best friend|family|day|weekend|week|plans?|hobby|hobbies)\b",
    re.I,
)
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
# Thanks with a compliment ("Thanks, you're the best"), and what users say about themselves ("I had a
# great day today", "我今天过得很开心"): chat, unless they ask for something to be looked up.
_EN_THANKS = re.compile(r"^(?:thanks?|thank you|thx|cheers|ty)\b[^?]*$", re.I)
# Wishes ("Have a nice day!", "Merry Christmas!", "Good luck with the exam tomorrow"): chat even with
# a name or a day in them, unless they also ask something.
_EN_WISH = re.compile(
    r"^(?:have a (?:nice|good|great|lovely|safe) \w+|happy (?:new year|birthday|holidays|\w+day)|merry christmas|"
    r"congrat(?:ulation)?s|good luck|best of luck|hope you|best wishes|sweet dreams)\b",
    re.I,
)
# A remark about one's day ("Today was a long day", "ugh, rough week"): chat, though "today" would search.
_EN_MY_DAY = re.compile(
    r"^(?:(?:ugh|man|wow|whew|phew|oh|well)[\s,!.]*)?(?:(?:today|this week|yesterday|tonight|it)(?:'s| was| is| has been)\s+)?"
    r"(?:(?:a|an|such a|what a|so|really|pretty|very)\s+)*(?:long|rough|tough|hard|busy|great|good|bad|crazy|fun|lovely|"
    r"nice|terrible|awful|productive|exhausting|stressful|boring|slow) (?:day|week|night|morning|evening|weekend)"
    r"(?: at (?:work|school|the office))?(?: today)?[\s!.,…]*$",
    re.I,
)
# ... also with the "I" left out: "feeling kinda lonely tonight"
_EN_ABOUT_ME = re.compile(
    r"^(?:i|i'm|im|i am|i've|i was|i had|my|feel(?:ing)? (?:so |really |kinda |kind of |a bit |pretty |very |super |quite )*"
    r"(?:sad|lonely|alone|tired|down|bad|good|great|sick|stupid|lost|anxious|stressed|depressed|bored|happy|like|awful|"
    r"terrible|low|empty|overwhelmed|exhausted|nervous|scared|angry|upset))\b",
    re.I,
)
_ZH_ABOUT_ME = re.compile(r"我(?![国省市校军方])(?![^《》]*》)")  # "我国" is a country; 《我和我的祖国》 a film
_EN_LOOK_UP = re.compile(r"\b(?:know|find|look up|search|tell me|show me|need|looking for)\b", re.I)
_ZH_LOOK_UP = re.compile(r"想知道|[你您]知道|知不知道|[查搜]|告诉我|介绍|了解一下|想问|请问")
_EN_STRONG = re.compile(r"\b(?:who|whom|whose|when|where|which|how many|how much)\b", re.I)
_ZH_STRONG = re.compile(r"谁|哪|多少|何时|什么时候|最新|新闻|价格")

# --- search: people, places, numbers, dates, news, prices, "latest" --------------------------
_EN_FACTUAL = re.compile(
    r"\b(?:who|whom|whose|when|where|which|what year|what date|what time|how (?:many|much|long|tall|big|old|far|high|deep)|"
    r"latest|newest|recent(?:ly)?|current(?:ly)?|today|tonight|yesterday|tomorrow|this (?:week|month|year)|"
    r"last (?:week|month|year|night)|news|headlines?|price|prices|cost|costs|costed|stock|shares|rates?|weather|forecast|"
    r"score|scores|result|results|won|win|winner|elected?|election|president|ceo|minister|mayor|population|"
    r"capital of|released?|launch(?:ed)?|announced?|opened|open(?:s|ing)? (?:date|hours)|record|"
    r"died|born|age of|founded|headquarter(?:s|ed)|located|address|schedule|deadline|update|version|"
    # superlatives and look-ups a search box gets as bare phrases ("tallest building in the world")
    r"tallest|highest|largest|biggest|longest|oldest|youngest|fastest|cheapest|richest|smallest|deepest|best|worst|"
    r"symptoms?|side effects?|how to|how do i|definition|meaning of|recipe|reviews?|near me|opening hours|"
    r"difference between|timetable|(?:train|bus|flight|opening|closing) times?|last (?:train|bus))\b",
    re.I,
)
_EN_QUESTION = re.compile(r"^(?:what|who|when|where|which|why|how|is|are|was|were|do|does|did|can|could|will|has|have|should)\b", re.I)
_ZH_FACTUAL = re.compile(
    r"谁|哪里|哪儿|哪个|哪家|哪位|哪一年|哪年|多少|几[个年月日号点岁次名]|什么时候|何时|何地|最新|最近|近期|新闻|消息|"
    r"今天|今年|去年|明天|昨天|本周|本月|现在|目前|价格|多少钱|售价|股价|汇率|天气|比分|成绩|结果|冠军|获奖|"
    r"发布|上市|开通|开幕|举行|宣布|当选|总统|总理|市长|首都|人口|位于|地址|成立|出生|去世|总投资|造价|纪录|"
    # superlatives, how-to and what-is questions asked mid-sentence, winners, distances, last night's games
    r"最[高大长深远快便宜贵好强小新老]|症状|副作用|怎么办|怎么(?!样|说)|如何|得主|多[高长远大重深宽久快]|哪(?!怕)|"
    r"是什么|什么是|有什么|区别|影响|昨晚|今晚|门票|票价|时间|时刻|[末首]班"
)
_ZH_QUESTION = re.compile(r"[吗呢？?]\s*$|^(?:什么|怎么|为什么|如何|是否|是不是|有没有)")
_YEAR_OR_NUMBER = re.compile(r"\b(?:1[89]\d\d|20\d\d)\b|\d{4}年")
_EN_PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[- ][A-Z][a-z0-9]+)*")
# Names a look-up is about wherever they sit: an acronym ("mortgage rates UK", not "OK"/"LOL"); in
# Chinese, a Latin-lettered name ("华为Mate 70", "GDP"), a title in 《》, a number with its unit.
_EN_ACRONYM = re.compile(r"\b(?!(?:OK|LOL|LMAO|ROFL|OMG|WTF|BRB|THX|TY|BTW|IDK|TBH|IMO|FYI|XD|GG)\b)[A-Z]{2,}s?\b")
_ZH_NAME = re.compile(
    r"(?<![A-Za-z])(?!(?i:ok|okay|lol|hi|hello|hey|thx|thanks?|ty|bro|sis|dude|guys?|man|sorry|pls|plz|please|bye|yeah|yes|nice|cool|wow|omg|h+|ha(?:ha)+|em+)(?![A-Za-z]))[A-Za-z][A-Za-z0-9]+|《[^》]+》|"
    r"\d+(?:\.\d+)?\s*(?:年|月|日|号|米|公里|千米|元|块|万|亿|岁|克|斤|度)"
)
# An English phrase that speaks (a pronoun, a reaction, a request to the assistant) rather than names a
# thing: what a bare look-up ("tsla earnings date", "python 3.13 new features") never says.
_EN_SPEAKS = re.compile(
    r"\b(?:i|i'm|im|i've|i'll|i'd|me|my|mine|myself|we|we're|us|our|let's|lets|let|you|you're|youre|you've|your|yours|"
    r"u|ur|ya|it|it's|its|that|that's|thats|this|these|those|he|she|they|him|her|them|"
    r"lol|lmao|rofl|haha\w*|hehe\w*|wow|woah|whoa|oh|ah|aw+|ugh|hmm+|meh|yeah|yep|yup|yes|no|nope|nah|ok|okay|sure|"
    r"cool|nice|great|awesome|amazing|good|bad|fine|wonderful|perfect|lovely|sweet|thanks?|thx|ty|please|pls|plz|"
    r"sorry|oops|damn|omg|yay|congrats|welcome|bye|hi|hello|hey|morning|night|same|too|again|never|mind|"
    r"whatever|exactly|indeed|true|agreed|interesting|funny|cute|love|like|hate|miss|worries|sounds|appreciate|"
    r"tell|write|give|make|help|explain|show|say|talk|chat|play|joke|riddle|story|poem|crazy|weird|wrong|right|"
    r"boring|bored|tired|happy|sad|just|really|so|very|what|why|how|merry|cheers|congratulations|goodnight|"
    r"ttyl|brb|idk|tbh|imo|np|xd|maybe|probably|definitely|absolutely|totally|agree|kidding|seriously|anyway|"
    r"alright|of course|fair enough|makes sense|no problem|all good|good point)\b",
    re.I,
)
_EN_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9'.+-]*")
# A Chinese message that speaks to the assistant (you, me, a request) rather than naming a thing.
_ZH_TO_YOU = re.compile(r"[你您我]|^(?:请(?!问)|帮忙|麻烦|再[来说讲写]|说[说点个一]|讲[讲个一]|能不能|能否|可不可以|可以|来[个首段一])")

# --- refusals: a model that declines is not overruled ----------------------------------------
_REFUSAL = re.compile(
    r"^\s*(?:i(?:'m| am) sorry,? but i (?:can(?:not|'t)|won't)|i can(?:not|'t) (?:help|assist|provide|do) (?:with )?that|"
    r"i won't|i am unable to help|sorry, i can(?:not|'t) help)|^\s*(?:抱歉|对不起)[，,]?\s*我(?:不能|无法)(?:帮|提供|回答|协助)",
    re.I,
)


def is_chinese(text: str) -> bool:
    return len(_CJK.findall(text)) >= max(1, len(text.strip()) // 5)


def classify(question: str) -> Verdict:
    """"search", "chat", or None when the rule cannot tell."""
    q = question.strip()
    if not q:
        return "chat"
    if _ARITH.match(q) or _ARITH_WORDS.match(q) or _ARITH_POWER.match(q) or _UNIT_CONVERSION.match(q):
        return "chat"
    if _EQUATION.match(q):
        return "chat"
    # a request to write, rewrite or translate, whatever the language of the text it carries
    # ("翻译成中文：I'll be late tonight", "translate into English: 我明天不去了")
    if _ZH_WRITING.match(q) or _EN_WRITING.match(q):
        return "chat"
    if lead := _GREETING_LEAD.match(q):
        rest = q[lead.end():]
        return classify(rest) or ("search" if is_question(rest) else "chat")
    given = len(_NUMBER.findall(q)) >= 2 and _GIVEN_QUANTITY.search(q)
    if given and _COMPUTED.search(q) and (_GIVEN_MONEY.search(q) or not _MONEY.search(q)):
        rest = _GIVEN_QUANTITY.sub(" ", q)
        if not (_ZH_NAME.search(rest) if is_chinese(q) else (_EN_PROPER.search(rest) or _EN_ACRONYM.search(rest))):
            return "chat"
    return _classify_zh(q) if is_chinese(q) else _classify_en(q)


def _before_text(q: str) -> str:
    """What a message says before the text it carries (after its first colon)."""
    return _BEFORE_COLON.match(q).group()


def _about_us(q: str, factual: re.Pattern, look_up: re.Pattern) -> bool:
    """A question about the conversation that asks nothing looked up, or personal advice with nothing
    else in it to look up."""
    if _ABOUT_CONVERSATION.search(q):
        return not look_up.search(q)
    return bool(_ADVICE_ASK.search(q) and _PERSONAL.search(q) and not factual.search(_ADVICE_ASK.sub(" ", q)))


def _classify_zh(q: str) -> Verdict:
    if _ZH_SMALL_TALK.match(q) or _ZH_TRANSLATE.search(q):
        return "chat"
    if _ZH_GIVEN_TEXT.search(q) and not _TEXT_ORIGIN.search(_before_text(q)):
        return "chat"
    if _ZH_FEELING.search(q) and _ZH_ADVICE.search(q) and not _ZH_LOOK_UP.search(q):
        return "chat"
    # Chat signals give way to what asks for a fact: a name, who/where/how much, "look it up".
    names = _YEAR_OR_NUMBER.search(q) or _ZH_NAME.search(q)
    asks = _ZH_STRONG.search(q) or names
    looks_up = _ZH_LOOK_UP.search(q)
    if _about_us(q, _ZH_FACTUAL, _ZH_LOOK_UP) and not names:
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
    if (_ZH_ABOUT_ME.search(q) or (_ZH_FEELING.search(q) and not names)) and not _ZH_QUESTION.search(q) and not (_ZH_STRONG.search(q) or looks_up):
        return "chat"
    if _ZH_FACTUAL.search(q) or names or looks_up:
        return "search"
    # What is left names something and says nothing to the assistant: a bare look-up ("长江全长",
    # "清华大学校长"); when in doubt about a fact, search.
    if len(_CJK.findall(q)) >= 3 and not _ZH_TO_YOU.search(q):
        return "search"
    return None


def _classify_en(q: str) -> Verdict:
    if _EN_SMALL_TALK.match(q) or _EN_TRANSLATE.search(q):
        return "chat"
    if _EN_GIVEN_TEXT.search(q) and not _TEXT_ORIGIN.search(_before_text(q)):
        return "chat"
    # Chat signals give way to what asks for a fact: a name, who/where/how much, "look it up".
    looks_up = _EN_LOOK_UP.search(q)
    if (_EN_THANKS.match(q) or _EN_WISH.match(q)) and not (looks_up or _EN_STRONG.search(q)):
        return "chat"
    if _EN_YOURSELF.search(q) and not looks_up:
        return "chat"
    names = _YEAR_OR_NUMBER.search(q) or _EN_PROPER.search(q) or _EN_ACRONYM.search(q)
    if _about_us(q, _EN_FACTUAL, _EN_LOOK_UP) and not names:
        return "chat"
    if _EN_ABOUT_YOU.search(q) and not (names or _EN_FACTUAL.search(q)):
        return "chat"
    if _EN_MY_DAY.match(q):
        return "chat"
    # a statement about oneself is chat even when it names a place or a day ("I hate Mondays")
    if _EN_ABOUT_ME.match(q) and not is_question(q) and not (_EN_STRONG.search(q) or looks_up):
        return "chat"
    if _EN_FACTUAL.search(q) or names:
        return "search"
    # What is left, when it is a phrase of two words or more that neither asks, exclaims nor speaks,
    # names something: a bare look-up typed in lower case ("tsla earnings date"), as in Chinese.
    if len(_EN_WORDS.findall(q)) >= 2 and not (is_question(q) or q.endswith("!") or _EN_SPEAKS.search(q)):
        return "search"
    return None


def is_question(question: str) -> bool:
    q = question.strip()
    if is_chinese(q):
        return bool(_ZH_QUESTION.search(q))
    return q.endswith("?") or bool(_EN_QUESTION.match(q))


def is_refusal(reply: str) -> bool:
    return bool(_REFUSAL.match(reply))


# --- writing the query from the conversation ---------------------------------------------------
_EN_FOLLOW = re.compile(
    r"^(?:and|but|also|so|then|what about|how about|and what about)\b|\b(?:it|its|it's|they|them|their|he|him|his|"
    r"she|her|this|that|these|those|there)\b",
    re.I,
)
_ZH_FOLLOW = re.compile(r"^(?:那么|那|还有|另外|而且|而|那它)|[它他她这那其]|呢[？?]?$")
_EN_STOP = frozenset(
    "a an the and but also so then what about how who whom whose when where which why is are was were do does did "
    "can could will would should has have had of in on at to for by with from it its it's they them their he him his "
    "she her this that these those there please tell me i you we my your our much many".split()
)
_EN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'.-]*")


def _en_clean(text: str) -> str:
    return text.strip().rstrip("?？!！.。 ").strip()


def _subject(query: str) -> str:
    """The content words of an earlier query (what a follow-up's pronoun stands for)."""
    if is_chinese(query):
        return re.sub(r"[？?。！!，,\s]|是(?:多少|什么|谁|哪)|什么时候|多少|哪里|吗|呢", "", query)
    return " ".join(w for w in _EN_WORD.findall(query) if w.lower() not in _EN_STOP)


def write_query(question: str, history: list[Turn]) -> str:
    """A search query for `question`: as asked, or, for a follow-up, carrying the earlier subject."""
    q = _en_clean(question)
    if not history:
        return q
    last = history[-1]
    previous = last.queries[0] if last.queries else last.question
    if is_chinese(q):
        if not _ZH_FOLLOW.search(q):
            return q
        rest = re.sub(r"^(?:那么|那|还有|另外|而且|而)[，,\s]*", "", q)
        rest = re.sub(r"[它他她这那其](?:的)?|呢$", "", rest)
        return f"{_subject(previous)} {rest}".strip()
    words = [w for w in _EN_WORD.findall(q) if w.lower() not in _EN_STOP]
    if not (_EN_FOLLOW.search(q) or len(words) <= 2) or _EN_PROPER.search(q):
        return q
    subject = _subject(previous)
    seen = {w.lower() for w in subject.split()}
    return " ".join([subject, *(w for w in words if w.lower() not in seen)]).strip() or q


def _terms(text: str) -> set[str]:
    words = {w.lower() for w in _EN_WORD.findall(text) if len(w) >= 3 and w.lower() not in _EN_STOP}
    cjk = "".join(_CJK.findall(text))
    return words | {cjk[i : i + 2] for i in range(len(cjk) - 1)}


def about_conversation(query: str, question: str, history: list[Turn]) -> bool:
    """Whether a model-written query shares a word (or a Chinese bigram) with the conversation: a
    small model's timestamp, URL or placeholder name does not."""
    said = " ".join([question, *(t.question for t in history[-3:]), *(q for t in history[-3:] for q in t.queries)])
    return bool(_terms(query) & _terms(said))
