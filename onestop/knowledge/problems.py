"""Is the question a problem to report rather than a service to apply for?

"饭店太吵" (the restaurant is too loud) matches the catalogue's food-business licences on its
words, but the person is not opening a restaurant: they want the noise to stop, which is a job
for the 12345 hotline. The search page offers the hotline first when a question reads like a
complaint or a report. The cues are a short, hand-kept list of the words people use for
nuisances, disputes and failures (written from how 12345 callers speak, not from the catalogue):
a classifier would need labelled search questions that this node does not have yet, and the
list is easy to read and to extend per region.
"""

from __future__ import annotations

import re

CUES_ZH = (
    "太吵", "吵闹", "噪音", "噪声", "扰民", "投诉", "举报", "漏水", "渗水", "停水", "停电",
    "乱收费", "拖欠", "欠薪", "不发工资", "不给退", "不退", "乱扔", "垃圾", "臭", "油烟",
    "违建", "违章", "占道", "乱停", "坑", "积水", "堵", "路灯不亮", "不亮了", "坏了", "破损",
    "态度差", "态度恶劣", "不作为", "推诿", "欺诈", "假货", "过期", "打人", "威胁", "扰",
    "污染", "排污", "粉尘", "灰尘", "烧烤", "广场舞", "装修声",
)  # fmt: skip
CUES_EN = (
    r"\bnois[ey]\b", r"\btoo loud\b", r"\bcomplain", r"\breport\b", r"\bleak", r"\bbroken\b",
    r"\bunpaid\b", r"\bwages? (?:owed|not paid)\b", r"\brubbish\b", r"\bgarbage\b",
    r"\bsmell", r"\bpollut", r"\bblock(?:ed|ing)\b", r"\bpothole", r"\bstreet ?light",
    r"\brude\b", r"\bfraud", r"\bscam\b", r"\billegal\b", r"\boutage\b", r"\bno (?:water|power)\b",
)  # fmt: skip
_EN = re.compile("|".join(CUES_EN), re.IGNORECASE)


def looks_like_a_problem(question: str) -> bool:
    """Whether `question` reads like a complaint or a report (see the module docstring)."""
    text = (question or "").strip()
    if not text:
        return False
    return any(cue in text for cue in CUES_ZH) or bool(_EN.search(text))
