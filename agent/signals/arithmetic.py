"""Sums a message carries with its own numbers (arithmetic, equations, powers, unit conversions,
quantities the user gives): the search rule (agent/classify.py) answers them without the web."""

from __future__ import annotations

import re

ARITH = re.compile(
    r"^(?:what(?:'s| is)|how much is|calculate|compute|solve|(?:帮我)?(?:计算|算)(?:一下)?|请问)?\s*[\d\s().]+"
    r"(?:(?:再|然后|then\s)?\s*(?:[-+*/×÷^xX]|加上?|减去?|乘以?|除以)\s*[\d\s().]+)+"
    r"(?:=\s*\??|equals?\s*\??|等于多少|等于几|是多少|等于)?[\s?？。!！]*$",
    re.I,
)

# An equation over a letter to solve ("把 2x+3=11 解一下", "solve 3x - 5 = 10", "x^2 = 49"): algebra on what is given.
_TERM = r"\(?(?:\d+(?:\.\d+)?[a-z]?|[a-z])(?:\^\d+|²|³)?\)?"
_EXPRESSION = rf"{_TERM}(?:\s*[-+*/]\s*{_TERM})*"
EQUATION = re.compile(
    rf"^(?:solve|求解|解方程|帮我解|解|把)?[:：\s]*(?=[^=]*[a-z]){_EXPRESSION}\s*=\s*{_EXPRESSION}"
    r"\s*(?:解一下|求解|[,，]?\s*(?:求|solve for|find)\s*[a-z])?[\s?？。!！]*$",
    re.I,
)

# Arithmetic in words: "What is 12 times 8?", "15% of 80", "Add 19 and 23", "80的15%是多少".
ARITH_WORDS = re.compile(
    r"^(?:what(?:'s| is)|how much is|calculate|compute)?\s*[\d.,]+\s*(?:%|percent)?\s*"
    r"(?:times|multiplied by|divided by|plus|minus|of)\s*[\d.,]+\s*[?.!]*$"
    r"|^(?:please\s+)?(?:add|subtract|multiply|divide)\s+[\d.,]+\s+(?:and|from|by|to|into)\s+[\d.,]+\s*[?.!]*$"
    r"|^[\d.]+的[\d.]+\s*%(?:是多少|等于多少|是几)?[？?。]*$",
    re.I,
)
# Powers and roots of given numbers: "What is 7 squared?", "2 to the power of 10", "square root of 144",
# "2的10次方是多少", "144的平方根", "根号2等于多少".
ARITH_POWER = re.compile(
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
UNIT_CONVERSION = re.compile(
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
GIVEN_QUANTITY = re.compile(
    rf"(?<![\d.A-Za-z])\d+(?:\.\d+)?(?:\s*(?:%|(?:{_ZH_UNIT})|[个只本张元块人岁颗条辆件台]|(?:{_EN_UNIT}|{_EN_MONEY})(?<=[A-Za-z]{{2}})\b)"
    rf"|\s+[a-z]\b)|\$\s*\d+(?:\.\d+)?|{_ZH_COUNT}",
    re.I,
)
# Every number a message gives, with a unit or bare ("spend 85", "月薪12000"), and an amount of money given
# ("$84", "240 dollars", "一百块"): a sum over the user's own money is arithmetic; a price asked is not.
NUMBER = re.compile(rf"(?<![\d.A-Za-z])\d+(?:\.\d+)?|{_ZH_COUNT}")
GIVEN_MONEY = re.compile(rf"\$\s*\d|\d\s*(?:元|块|{_EN_MONEY})|[一二两三四五六七八九十百千万]\s*[元块]", re.I)
COMPUTED = re.compile(
    r"面积|周长|体积|平均|总和|总共|一共|合计|相差|差多少|剩下|还剩|剩几|平分|均分|每人|\b(?:area|perimeter|volume|average|sum|"
    r"total|altogether|left over|left|remain(?:s|ing)?|difference|split|each|per person|tip)\b",
    re.I,
)
MONEY = re.compile(r"钱|价|费|\b(?:price|cost|costs|pay|fee|fees)\b", re.I)
