"""How often an item is asked for, as a 0-100 score used to order "popular services".

The list below names the items that county service centres and provincial portals report as
the most frequent for individuals and businesses (ID card, hukou, social-security card,
provident fund, medical insurance, business registration, tax). Other items score by how many
"one thing" bundles use them. Scores are relative; they are not counts.
"""

# Item names are Chinese catalogue data, full-width punctuation included.

from __future__ import annotations

from collections.abc import Iterable

HIGH_FREQUENCY: dict[str, int] = {
    "居民身份证换领": 100,
    "社会保障卡申领（含电子社会保障卡）": 96,
    "个人所得税综合所得年度汇算": 95,
    "企业设立登记": 94,
    "个体工商户设立登记": 93,
    "医保就医购药结算": 92,
    "住房公积金提取（租房）": 90,
    "出生登记（户口登记）": 89,
    "户口迁移": 88,
    "异地就医备案": 87,
    "营业执照变更登记": 86,
    "机动车驾驶证换证": 85,
    "入学报名（入园、入学、转学）": 84,
    "不动产转移登记": 83,
    "结婚登记": 82,
    "居住证申领": 81,
    "无犯罪记录证明开具": 80,
    "普通护照签发": 78,
    "城乡居民基本医疗保险参保登记": 77,
    "失业保险金申领": 76,
    "食品经营许可": 75,
    "企业注销登记": 74,
    "住房公积金个人住房贷款": 73,
    "社会保障卡补领、换领": 72,
}
BASE = 10
PER_SCENARIO = 10
CAP_WITHOUT_LIST = 60


def popularity_of(*, name_zh: str, scenarios: Iterable[str]) -> int:
    if name_zh in HIGH_FREQUENCY:
        return HIGH_FREQUENCY[name_zh]
    return min(CAP_WITHOUT_LIST, BASE + PER_SCENARIO * len(list(scenarios)))
