"""Article paragraphs in English and Chinese that the extraction tests build pages around (one
source for every test module that wraps them in boilerplate of its own)."""

from __future__ import annotations

ARTICLE = {
    "en": [
        "The Harlow viaduct carries the railway 42 metres above the river on nineteen stone arches, built "
        "between 1846 and 1849 by four thousand labourers who came from all over the county.",
        "Engineers repaired the ninth arch in 2019 after a survey found water damage in the lime mortar; the "
        "work cost 3.2 million pounds and took eleven months to finish.",
        "Trains cross it every six minutes at peak times, and a footpath beneath the arches follows the river "
        "to the old mill at Netherby, a walk of about an hour.",
    ],
    "zh": [
        "海州地铁五号线全长三十二公里，设车站二十四座，于今年十月一日正式开通运营，沿线连接老城区与新港片区。",
        "五号线采用六节编组列车，高峰时段行车间隔为三分钟，每日运营时间为早上六点至晚上十一点，预计日均客流二十万人次。",
        "市交通局表示，五号线开通后，从老城区到新港的通勤时间将由原来的七十分钟缩短到四十分钟左右。",
    ],
}
