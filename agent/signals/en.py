"""The English half of the search rule (agent/classify.py): its signals and how they add up."""

from __future__ import annotations

import re

from agent.signals.common import TEXT_ORIGIN, YEAR_OR_NUMBER, Verdict, about_us, before_text, is_question

# --- no search: small talk, writing, translation ----------------------------------------------
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
EN_WRITING = re.compile(
    r"^(?:please\s+)?(?:can you\s+|could you\s+)?(?:translate|rewrite|rephrase|paraphrase|reword|proofread|"
    r"correct|fix|polish|shorten|summari[sz]e this|summari[sz]e the following|edit|write|compose|draft|"
    r"make (?:this|it) (?:shorter|longer|formal|polite)|turn this into|convert this)\b",
    re.I,
)
_EN_TRANSLATE = re.compile(r"\b(?:translate|translation of|how do (?:you|i) say .+ in|in (?:french|german|spanish|"
                           r"chinese|english|japanese|korean|italian|russian|portuguese))\b", re.I)
_EN_GIVEN_TEXT = re.compile(
    r"\b(?:this|the following|the above|below|my) (?:code|snippet|function|script|sentence|paragraph|text|"
    r"essay|email|letter|passage|query|regex|poem|story|resume|cv)\b",
    re.I,
)
# Questions about the assistant itself (its tastes, its nature, whether it can help): nothing to search
# for, unless they also ask a fact (who, when, a name, a year...).
_EN_ABOUT_YOU = re.compile(
    r"\b(?:do|did|are|were|can|could|will|would|have)\s+you\b(?! call\b)|\bwhat (?:do|are) you\b(?! call\b)|\bhow do you feel\b|"
    r"\byour (?:favou?rite|opinion|hobby|hobbies|name)\b",
    re.I,
)
# ...and about its own tastes, age or nature, even when asked with which/how old ("How old are you?"): chat, unless they ask it to look something up.
_EN_YOURSELF = re.compile(
    r"\bhow old are you\b|^any plans\b|\byou (?:like|love|prefer|enjoy|dream|feel|hate|believe|live|sleep|wake)\b|"
    r"\b(?:are|were) you(?: doing)?\s*(?:today|now)?[?!.]*$|\b(?:are|were) you (?:a|an|real|human|alive|ok|okay|happy|sad|sure|"
    r"free|busy|bored|tired|doing)\b|\b(?:made|created|built|trained|designed|developed|named) you\b|"
    r"\bwhat(?:'s| is) up with you\b|\bhow(?:'s| is| was| were| are) your\b|\byour (?:favou?rite|best friend|family|day|weekend|week|plans?|hobby|hobbies)\b",
    re.I,
)
# Thanks with a compliment ("Thanks, you're the best"), and what users say about themselves ("I had a
# great day today"): chat, unless they ask for something to be looked up.
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
_EN_LOOK_UP = re.compile(r"\b(?:know|find|look up|search|tell me|show me|need|looking for)\b", re.I)
_EN_STRONG = re.compile(r"\b(?:who|whom|whose|when|where|which|how many|how much)\b", re.I)

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
EN_PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[- ][A-Z][a-z0-9]+)*")
# Names a look-up is about wherever they sit: an acronym ("mortgage rates UK", not "OK"/"LOL").
EN_ACRONYM = re.compile(r"\b(?!(?:OK|LOL|LMAO|ROFL|OMG|WTF|BRB|THX|TY|BTW|IDK|TBH|IMO|FYI|XD|GG)\b)[A-Z]{2,}s?\b")
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


def classify_en(q: str) -> Verdict:
    if _EN_SMALL_TALK.match(q) or _EN_TRANSLATE.search(q):
        return "chat"
    if _EN_GIVEN_TEXT.search(q) and not TEXT_ORIGIN.search(before_text(q)):
        return "chat"
    # Chat signals give way to what asks for a fact: a name, who/where/how much, "look it up".
    looks_up = _EN_LOOK_UP.search(q)
    if (_EN_THANKS.match(q) or _EN_WISH.match(q)) and not (looks_up or _EN_STRONG.search(q)):
        return "chat"
    if _EN_YOURSELF.search(q) and not looks_up:
        return "chat"
    names = YEAR_OR_NUMBER.search(q) or EN_PROPER.search(q) or EN_ACRONYM.search(q)
    if about_us(q, _EN_FACTUAL, _EN_LOOK_UP) and not names:
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
