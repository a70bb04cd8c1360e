"""The bilingual rule that decides for models that cannot call a function (and checks those that can)."""

from __future__ import annotations

import pytest

from agent.classify import classify, is_question, is_refusal, write_query
from agent.state import Turn

FACTUAL = [
    "Who won the 2024 US presidential election?",
    "How much did the Aurora Bridge in Veldmark cost?",
    "What is the latest version of Python?",
    "When does the Harwick Barrage open?",
    "What's the price of an iPhone 16 today?",
    "Where is the headquarters of Infinigence AI?",
    "谁赢得了2024年美国总统大选？",
    "青川大桥的总投资是多少？",
    "最新的 Python 版本是什么？",
    "今天北京的天气怎么样？",
    "海州地铁5号线什么时候开通？",
]
CHAT = [
    "Hello there!",
    "hi",
    "Thanks a lot!",
    "How are you?",
    "What is 12 * 7?",
    "(3 + 4) * 2 =",
    "Translate 'good morning' into French",
    "Rewrite this sentence to sound more formal: we cant come",
    "Write a short poem about the sea",
    "你好！",
    "谢谢",
    "12*7等于多少",
    "把这句话翻译成英文：今天天气很好",
    "帮我润色一下这段话：我们明天开会",
    "写一首关于秋天的诗",
]


@pytest.mark.parametrize("question", FACTUAL)
def test_questions_about_people_places_numbers_dates_news_and_prices_search(question):
    assert classify(question) == "search"


@pytest.mark.parametrize("question", CHAT)
def test_greetings_arithmetic_rewriting_and_translation_do_not(question):
    assert classify(question) == "chat"


@pytest.mark.parametrize(
    "question",
    [
        "How do you say thank you in Japanese?",  # a translation request that does not begin with "translate"
        "What is the translation of harbour in German?",
        "今天天气很好用英语怎么说？",  # "今天" alone would search
        "“明天见”英文怎么说",
    ],
)
def test_translation_requests_in_any_wording_do_not_search(question):
    assert classify(question) == "chat"


@pytest.mark.parametrize("question", ["What happened in 1989?", "what changed in 2015", "2008年发生了什么？", "1997年有什么大事"])
def test_a_bare_year_is_enough_to_search(question):
    assert classify(question) == "search"


def test_a_question_is_read_as_chinese_from_a_fifth_of_its_characters():
    # 3 Han characters in 18: Chinese, so "多少钱" searches (English rules see nothing to place).
    assert classify("iphone 16 pro 多少钱？") == "search"
    # 4 in 26: English, so it is the translation request it says it is ("明天" would search in Chinese).
    assert classify("Translate to English: 明天开会") == "chat"
    # A one-character question is Chinese when that character is.
    assert classify("谁？") == "search"


def test_what_the_rule_cannot_place_is_left_to_the_caller():
    assert classify("why is the sky blue") is None
    assert is_question("why is the sky blue") and is_question("天空为什么是蓝色的？")
    assert not is_question("tell me a joke")


def test_refusals_are_recognised_in_both_languages():
    assert is_refusal("I'm sorry, but I can't help with that.")
    assert is_refusal("抱歉，我无法提供这方面的信息。")
    assert not is_refusal("The bridge cost 420 million euros.")


def _turn(question: str, query: str) -> Turn:
    return Turn(question=question, answer="a", model_answer="a", queries=[query], searched=True)


def test_a_follow_up_query_carries_the_earlier_subject():
    history = [_turn("When did the Aurora Bridge in Veldmark open?", "Aurora Bridge Veldmark open")]
    query = write_query("And how much did it cost?", history)
    assert "Aurora Bridge" in query and "cost" in query
    assert write_query("Who designed the Harwick Barrage?", history) == "Who designed the Harwick Barrage"
    zh = [_turn("青川大桥是哪一年通车的？", "青川大桥通车")]
    assert "青川大桥" in write_query("那它的总投资是多少呢？", zh)
    assert write_query("How much did the Aurora Bridge cost?", []) == "How much did the Aurora Bridge cost"


def test_a_model_query_must_be_about_the_conversation():
    from agent.classify import about_conversation

    question = "When was the Eiffel Tower completed?"
    assert about_conversation("Eiffel Tower completion date", question, [])
    assert not about_conversation("2019-08-24T09:37:50.13.68.00+00:00", question, [])
    assert not about_conversation("search_function_name", "乞力马扎罗山有多高？", [])
    assert about_conversation("乞力马扎罗山 高度", "乞力马扎罗山有多高？", [])
    history = [_turn("When did the Aurora Bridge in Veldmark open?", "Aurora Bridge Veldmark open")]
    assert about_conversation("Aurora Bridge cost", "And how much did it cost?", history)


def test_a_blank_question_is_chat_and_a_name_alone_searches():
    assert classify("   ") == "chat"
    assert classify("Tell me about the Harwick Barrage") == "search"  # a proper name is enough
    assert is_question("you mean the bridge in Veldmark?")  # a question mark makes a question


AURORA = [_turn("When did the Aurora Bridge in Veldmark open?", "Aurora Bridge Veldmark open")]


@pytest.mark.parametrize(
    "question, carries",
    [
        ("Opening hours?", True),  # two content words and no pronoun: too short to stand alone
        ("And what did its opening ceremony cost?", True),  # a pronoun, however many words
        ("toll prices today", False),  # three content words, no pronoun: a question of its own
        ("And what about the Harwick Barrage?", False),  # a new name: a new subject
    ],
)
def test_which_english_questions_carry_the_earlier_subject(question, carries):
    query = write_query(question, AURORA)
    assert ("Aurora Bridge" in query) is carries, query
    if not carries:
        assert query == question.rstrip("?")


def test_a_chinese_question_that_is_not_a_follow_up_stands_as_asked():
    zh = [_turn("青川大桥是哪一年通车的？", "青川大桥通车")]
    assert write_query("海州地铁5号线什么时候开通？", zh) == "海州地铁5号线什么时候开通"


def test_a_follow_up_with_nothing_to_carry_is_searched_as_asked():
    assert write_query("And then?", [_turn("What is it?", "what is it")]) == "And then"


def test_what_counts_as_a_shared_word_or_bigram():
    from agent.classify import about_conversation

    assert about_conversation("BYD sales", "How many cars did BYD sell?", [])  # a three-letter name counts
    assert not about_conversation("What is the time", "What is the price of the Zephyr-9 battery?", [])  # stop words do not
    # a small model's timestamp shares only short numbers with the question: not about it
    assert not about_conversation("2024-05-09T10:00:00", "Did the parade start at 10:00?", [])
    assert about_conversation("大桥", "青川大桥多长？", [])  # one shared Chinese bigram is enough
    assert not about_conversation("2024年10月", "青川大桥多长？", [])  # Han characters that share no bigram are not
    assert not about_conversation("长", "青川大桥多长", [])  # nor a single character
    older = [_turn("Who founded the Pell Gallery?", "Pell Gallery founder"),
             *[_turn(f"What is the Zephyr-9 battery's weight {i}?", "Zephyr-9 battery weight") for i in range(3)]]
    assert not about_conversation("Pell Gallery", "And its capacity?", older)  # only the last three turns count
    assert about_conversation("Pell Gallery", "And its capacity?", older[:3])


# Issue #28: what the plain protocol's rule now places (bench/decide.py --heldout measures it on a
# labelled set held out from tuning).
BARE_LOOKUPS = [
    "tallest building in the world",
    "symptoms of the flu",
    "Paris metro last train time",
    "世界上最高的建筑",
    "珠穆朗玛峰有多高",
    "鲁迅的代表作有哪些",
    "杭州西湖门票",
    "深圳地铁末班车时间",
]
ABOUT_YOU_OR_ME = [
    "Do you like music?",
    "Can you help me?",
    "Are you there?",
    "Thanks, you're the best",
    "I had a lovely walk this morning",
    "What is 12 times 8?",
    "What's 15% of 80?",
    "你喜欢音乐吗？",
    "你在做什么？",
    "你能帮我一下吗？",
    "最近怎么样？",
    "我今天过得很开心",
    "80的15%是多少？",
]


@pytest.mark.parametrize("question", BARE_LOOKUPS)
def test_bare_look_ups_search(question):
    assert classify(question) == "search"


@pytest.mark.parametrize("question", ABOUT_YOU_OR_ME)
def test_questions_about_the_assistant_statements_about_oneself_and_arithmetic_in_words_do_not(question):
    assert classify(question) == "chat"


@pytest.mark.parametrize("question", [
    "Do you know who won the 2022 World Cup?", "Can you tell me the population of Canada?",
    "I want to know when the Louvre opens", "你知道谁赢了2022年世界杯吗？", "我想知道长江有多长",
])
def test_a_fact_asked_of_the_assistant_or_by_way_of_oneself_still_searches(question):
    assert classify(question) == "search"


# Issue #28, second tuning: the mechanisms that bring the plain protocol's rule to its aims on
# bench/data/decide_heldout.json's tuning half.
def test_a_chinese_phrase_that_names_something_searches_and_one_that_speaks_to_the_assistant_does_not():
    assert classify("长江全长") == "search"  # no question word, nothing in the lexicon: a bare look-up
    assert classify("苹果公司创始人") == "search"
    assert classify("再生能源发展") == "search"  # "再" begins a word here, not a request ("再说一遍")
    assert classify("讲个笑话") is None  # a request to the assistant
    assert classify("帮我想个标题") == "chat"


@pytest.mark.parametrize("question", ["cheap flights to NYC", "GDP排名", "《三体》", "hotels near LAX",
                                      "tell me about NATO"])  # "tell" speaks: only the acronym names
def test_an_acronym_a_latin_name_in_chinese_or_a_title_is_a_name_to_look_up(question):
    assert classify(question) == "search"


@pytest.mark.parametrize("question", ["OK", "LOL", "ok了", "哈哈lol"])
def test_chat_acronyms_are_no_names(question):
    assert classify(question) != "search"


def test_plural_rates_are_looked_up():
    assert classify("mortgage rates") == "search"


@pytest.mark.parametrize("question", [
    "Good night, talk tomorrow",  # "tomorrow" alone would search
    "晚安，明天见",
    "说得简单一点",  # asking for the last answer again
    "请再短一点",
    "干得漂亮",
    "没事了",
])
def test_farewells_praise_acknowledgements_and_asking_again_are_chat(question):
    assert classify(question) == "chat"


@pytest.mark.parametrize("question", [
    "Have a nice day!", "Merry Christmas!", "Good luck with the exam tomorrow", "Congratulations on your win!",
    "今天好冷啊", "周末愉快", "有点饿了", "今天天气真好", "不聊了",
])
def test_wishes_feelings_and_remarks_are_chat(question):
    assert classify(question) == "chat"


@pytest.mark.parametrize("question", [
    "Happy Gilmore 2 release date", "北京今天多少度啊", "天安门怎么去啊", "快乐大本营主持人", "科比去世几年了",
])
def test_a_remark_that_asks_or_names_a_title_still_searches(question):
    assert classify(question) == "search"


@pytest.mark.parametrize("question", [
    "How old are you?", "Which do you prefer, cats or dogs?", "Where do you live?", "Who made you?",
    "Who's your best friend?", "How was your weekend?", "How's your mother?",
    "你几岁了？", "猫和狗你更喜欢哪个？", "你是真人吗？",
])
def test_questions_about_the_assistant_are_chat_even_with_which_or_how_old(question):
    assert classify(question) == "chat"


@pytest.mark.parametrize("question", ["Do you know where the Louvre is?", "你知道故宫几点开门吗", "给我介绍一下故宫"])
def test_asking_the_assistant_to_look_something_up_searches(question):
    assert classify(question) == "search"


@pytest.mark.parametrize("question", ["I hate Mondays", "I just moved to Berlin", "今天是我的生日！", "这不是我问的"])
def test_a_statement_about_oneself_is_chat_wherever_the_first_person_sits(question):
    assert classify(question) == "chat"


@pytest.mark.parametrize("question", ["我国最长的河流", "《我和我的祖国》票房"])
def test_our_country_and_a_title_are_not_oneself(question):
    assert classify(question) == "search"


@pytest.mark.parametrize("question", ["Really?", "Is that true?", "What do you mean?", "真的吗？", "为什么？", "然后呢？"])
def test_a_reaction_that_names_nothing_is_chat(question):
    assert classify(question) == "chat"


# Each chat signal gives way to what asks for a fact: an interrogative, a name, a look-up verb.
@pytest.mark.parametrize("question", [
    "谢谢！那故宫门票多少钱？",  # thanks, then a price asked
    "哈哈，iPhone 16发布会",  # laughter, then a name
    "谢谢，1998 那场洪水",  # a year the unit rule does not see
    "谢谢，再帮我查一下明天的天气",  # thanks, then "look it up"
    "好饿啊，KFC",  # a feeling, then a name
    "好累啊，帮我查一下附近的酒店",  # a feeling, then "look it up"
    "你会查一下明天的天气吗",  # about the assistant, but asking it to look up
    "您了解GPT-5吗",  # about the assistant, but naming a thing
    "我想去故宫，门票多少",  # about oneself, then a price asked
    "Thanks, and when does the Louvre open",
    "Thanks, now find me cheap flights to Rome",
    "You like football, so tell me who won the Champions League",
    "Have you heard of Lena Marsh?",  # about the assistant, but naming someone
    "Could you give me the latest headlines?",  # about the assistant, but asking the news
    "I'm in Paris, where is the Louvre",
    "I need a cheap hotel in Rome",
    "I wonder if the Louvre is open on Mondays?",  # about oneself, but a question
])
def test_a_chat_signal_gives_way_to_a_question_a_name_or_a_look_up(question):
    assert classify(question) == "search"


def test_a_question_about_oneself_is_left_to_the_caller():
    # a statement about oneself is chat; asked as a question it is not ("can I take a power bank on the train?")
    assert classify("我能带充电宝上高铁吗") is None and is_question("我能带充电宝上高铁吗")
    assert classify("我明天坐高铁") == "chat"


def test_a_bare_chinese_look_up_needs_three_characters():
    assert classify("兵马俑") == "search"
    assert classify("故宫") is None  # two characters are as often a remark ("无聊", "好吧") as a name


# Issue #28, third tuning: the mechanisms that bring the rule to its aims on the tuning rows of
# bench/data/decide_fresh.json (written before its author read the rule) and of decide_heldout.json.
@pytest.mark.parametrize("question", [
    "What is 9 squared?", "3 to the power of 4", "square root of 81", "3的4次方是多少", "81的平方根", "根号3等于多少",
    "Add 27 and 15", "计算一下12乘以13",
])
def test_powers_roots_and_sums_in_words_are_arithmetic(question):
    assert classify(question) == "chat"


def test_converting_a_given_quantity_is_arithmetic_but_money_is_an_exchange_rate():
    assert classify("how many grams in 2 pounds") == "chat"  # "how many" alone would search
    assert classify("convert 30 miles to km") == "chat"
    assert classify("10公斤等于多少磅") == "chat"  # "10公斤" alone is a number to look up
    assert classify("把三十摄氏度换算成华氏度") == "chat"
    assert classify("how many dollars in 50 pounds") == "search"  # pounds sterling: a rate to look up
    assert classify("100 euros in yen") == "search"


def test_a_calculation_over_two_given_quantities_is_arithmetic_unless_it_names_or_prices_something():
    assert classify("一块地长20米宽15米，面积多大") == "chat"
    assert classify("A garden is 6 m by 9 m, what is the area?") == "chat"
    assert classify("5G和4G的网速相差多少") == "search"  # a network generation is no quantity
    assert classify("64GB和128GB相差多少钱") == "search"  # a price difference is looked up
    assert classify("iPhone 16和iPhone 15 Pro的重量相差多少") == "search"  # a name beside the numbers
    assert classify("20米和15米相差多少") == "chat"  # exactly two quantities are enough
    assert classify("Everest is 8849 m and Lhotse 8516 m, what's the difference?") != "chat"  # two names
    assert classify("2 TB and 4 TB drives in a NAS, total capacity") == "search"  # an acronym
    assert classify("100米和200米的世界纪录") == "search"  # two quantities, nothing computed from them
    assert classify("100 m and 200 m world record") == "search"


@pytest.mark.parametrize("question", ["用英语写一封请假邮件", "用李白的风格写首诗", "用Java写个快速排序", "改一下语病：他昨天去北京了去"])
def test_a_chinese_writing_request_in_a_named_language_or_voice_or_a_correction_is_chat(question):
    assert classify(question) == "chat"


def test_asking_which_tool_to_write_with_is_not_a_writing_request():
    assert classify("用什么软件写论文比较好") != "chat"
    assert classify("用Python写爬虫") == "chat"


def test_a_message_about_text_it_carries_is_chat_unless_it_asks_where_the_text_comes_from():
    assert classify("这段代码为什么跑不通：print(1") == "chat"  # 为什么 alone is a question
    assert classify("下面这句话通顺吗：我昨天去了北京了") == "chat"  # 北京 alone would search
    assert classify("What's wrong with this code: x = [1, 2") == "chat"
    assert classify("Is this sentence correct: Who did you went with?") == "chat"  # "who" alone would search
    assert classify("这句话出自哪里：不积跬步无以至千里") == "search"
    assert classify("who wrote this poem: shall I compare thee to a summer's day") == "search"
    assert classify("这个程序员的年薪是多少") == "search"  # a programmer is no program


def test_ones_own_feelings_asking_what_to_do_are_chat_and_a_bare_how_to_searches():
    assert classify("我最近好焦虑，该怎么办") == "chat"
    assert classify("压力太大了怎么办啊") == "chat"
    assert classify("失眠怎么办") == "search"  # no feeling of one's own: a how-to
    assert classify("我好迷茫，哪些专业好就业") == "search"  # a feeling, then a look-up asked
    assert classify("心情不好怎么办，帮我查一下附近的心理咨询") == "search"


def test_a_feeling_asking_what_to_do_still_searches_when_it_asks_to_look_up():
    assert classify("我好焦虑，帮我查查怎么办") == "search"


@pytest.mark.parametrize("question", ["有意思", "还行", "早点睡觉", "好好休息下", "嗨，干嘛呢？"])
def test_chinese_reactions_good_night_wishes_and_asking_what_the_assistant_is_up_to_are_chat(question):
    assert classify(question) == "chat"


def test_a_reaction_word_that_begins_a_look_up_is_no_reaction():
    assert classify("不错的火锅店推荐") == "search"
    assert classify("有意思的博物馆 北京") == "search"
    assert classify("不错") == "chat"


@pytest.mark.parametrize("question", ["nvda earnings date", "rust 1.80 new features", "speed of sound in water",
                                      "nvda earnings"])
def test_an_english_phrase_that_names_something_searches_even_in_lower_case(question):
    assert classify(question) == "search"


# The bare English phrase's limits (each fails when its exclusion is removed: bench.mutation classify).
@pytest.mark.parametrize("question", ["python", "no worries", "sounds good", "Go team!", "that's wild"])
def test_a_single_word_a_reaction_or_an_exclamation_is_no_bare_look_up(question):
    assert classify(question) != "search"


def test_a_question_is_left_to_the_caller_not_taken_for_a_bare_phrase():
    assert classify("is ibuprofen safe for kids") is None


@pytest.mark.parametrize("question", ["Today was a long day", "Long day at work today", "ugh, rough week",
                                      "What's up with you today?"])
def test_remarks_about_ones_day_and_asking_the_assistant_are_chat_though_today_would_search(question):
    assert classify(question) == "chat"


# Issue #28, fourth tuning: the mechanisms that bring the rule to its aims on the tuning rows of
# bench/data/decide_fresh2.json (written before its author read the rule), decide_fresh.json's tuning half
# and decide_heldout.json; each case below is worded afresh, not copied from a labelled row.
@pytest.mark.parametrize("question", ["在么", "有人在吗？", "人呢？", "你今天过得怎么样", "嗨 你最近忙啥呢"])
def test_a_short_ping_how_was_your_day_and_what_are_you_busy_with_are_small_talk(question):
    assert classify(question) == "chat"


@pytest.mark.parametrize("question", ["你好呀，最近过得咋样", "hey, how was your weekend?", "早 明天也要加油鸭",
                                      "早上好，周一又来了😭"])
def test_a_greeting_before_a_remark_is_chat_though_the_day_it_names_would_search(question):
    assert classify(question) == "chat"


def test_a_greeting_before_the_message_leaves_the_rest_to_decide():
    assert classify("你好，请问明天上海天气怎么样") == "search"
    assert classify("hi, who won the match last night") == "search"
    assert classify("hey, is ibuprofen safe for kids") == "search"  # a question the rule cannot place alone
    assert classify("hello, python") == "chat"  # neither a question nor a fact: the greeting is what it says


@pytest.mark.parametrize("question", [
    "帮我翻译一下：Please find attached the invoice for last month.",
    "润色一下：I have went to the store yesterday and buyed some apples for the party tonight.",
    "polish this: 本公司成立于2010年，专注于新能源汽车的研发",
])
def test_a_writing_request_is_chat_whatever_the_language_of_the_text_it_carries(question):
    assert classify(question) == "chat"


@pytest.mark.parametrize("question", ["2.5加3再乘4等于多少", "12 + 8 then / 4 =", "解方程 3x-7=8", "solve 2y + 4 = 10",
                                      "x^2 = 81"])
def test_chained_arithmetic_and_an_equation_to_solve_are_arithmetic(question):
    assert classify(question) == "chat"


def test_an_equation_named_beside_a_question_is_no_equation_to_solve():
    assert classify("E=mc2是什么意思") != "chat"


@pytest.mark.parametrize("question", [
    "we paid $120 for dinner, split between 4 people with a 15% tip, how much each",
    "i had 300 dollars and spent 45, how much is left",
    "八十块钱两个人平分，每人多少",
    "工资8000，房租占40%，还剩多少",
])
def test_a_sum_over_amounts_of_money_the_user_gives_is_arithmetic(question):
    assert classify(question) == "chat"


def test_two_bare_numbers_are_no_given_quantities():
    assert classify("python 3.12 and 3.13 difference") == "search"  # versions, not quantities
    assert classify("两个人去日本一共要花多少钱") == "search"  # one count, a price to look up


@pytest.mark.parametrize("question", ["咱们刚刚聊到哪了", "what were we talking about?", "you said earlier that it depends, on what"])
def test_a_question_about_the_conversation_is_chat(question):
    assert classify(question) == "chat"


def test_a_question_about_the_conversation_that_asks_to_look_something_up_is_not_chat():
    assert classify("你刚才说的那家店，帮我查一下地址") == "search"
    assert classify("you mentioned a book earlier, look up its author") != "chat"


@pytest.mark.parametrize("question", ["should I call her back or wait?", "how can I tell my roommate to clean up more",
                                      "要不要原谅他，好纠结", "跟闺蜜闹矛盾了，要不要先低头"])
def test_personal_advice_about_ones_own_people_or_life_is_chat(question):
    assert classify(question) == "chat"


def test_advice_asked_about_a_fact_a_thing_or_a_name_still_searches():
    assert classify("should I bring an umbrella to work tomorrow") == "search"  # a forecast beside the advice
    assert classify("how do i tell if a watermelon is ripe") == "search"  # no one of one's own: a how-to
    assert classify("要不要办签证去泰国") != "chat"  # no one of one's own
    assert classify("要不要给女朋友买iPhone 17") == "search"  # a product named
    assert classify("该不该和男朋友去三亚，那边现在天气怎么样") == "search"  # a forecast beside the advice


@pytest.mark.parametrize("question", ["最近好焦虑，晚上睡不着", "feeling so down today", "feel kinda lonely tonight"])
def test_ones_own_feelings_told_without_i_are_chat(question):
    assert classify(question) == "chat"


def test_a_phrase_beginning_with_feel_is_no_feeling_of_ones_own():
    assert classify("feel the burn meaning") == "search"


@pytest.mark.parametrize("question", ["谢啦 dude", "thx bro 你太强了", "谢咯 bro"])
def test_chinese_thanks_with_an_english_word_of_address_are_chat(question):
    assert classify(question) == "chat"


def test_any_plans_is_asked_of_the_assistant_but_what_do_you_call_asks_a_name():
    assert classify("Any plans for the weekend?") == "chat"
    assert classify("What do you call a group of crows?") != "chat"


# The survivors of the classify mutation row after the fourth tuning, each killed by a case below.
def test_a_mostly_english_message_with_a_few_chinese_characters_is_read_as_english():
    assert is_question("can you tell me what 宫保鸡丁 is")  # 4 of 28 characters: English, asked with "can"


@pytest.mark.parametrize("question", ["平均身高180cm算高吗", "average height of a man 180 cm"])
def test_one_given_quantity_beside_a_computed_word_is_no_calculation(question):
    assert classify(question) == "search"


def test_ones_own_people_named_without_asking_a_decision_is_no_personal_advice():
    assert classify("男朋友生日送什么礼物") == "search"
    assert classify("what to get my girlfriend for valentines") != "chat"


def test_ones_own_feeling_asking_what_to_do_with_a_question_mark_is_still_chat():
    assert classify("我最近好焦虑，该怎么办？") == "chat"


def test_personal_advice_beside_a_name_searches():
    assert classify("should I tell my boss I got an offer from Google") == "search"
