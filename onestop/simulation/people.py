"""Synthetic people of the simulated region: names, resident IDs and credit codes with valid
check characters (DEVELOPMENT DATA ONLY: nobody's real number), drawn from the simulation's
random generator so that a seed gives the same people."""

from __future__ import annotations

import datetime
import random

from stdnum.cn import ric, uscc

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥玲建国志强春梅海燕文"
TOWNSHIPS = [
    "洪凝街道",
    "街头镇",
    "中至镇",
    "许孟镇",
    "于里镇",
    "汪湖镇",
    "叩官镇",
    "松柏镇",
    "高泽镇",
    "石场乡",
    "户部乡",
    "潮河镇",
]
BUSINESS_WORDS = ["农业", "食品", "物流", "建材", "餐饮", "文化", "科技", "商贸", "石材", "茶叶"]


def name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return rng.choice(SURNAMES) + given


def phone(rng: random.Random) -> str:
    return "13" + "".join(str(rng.randrange(10)) for _ in range(9))


def resident_id(rng: random.Random, region: str) -> str:
    """A resident ID of an adult born in `region` (check character by GB 11643). Born from
    1992 on: the codes of the demo regions (Wulian 371121 among them) are only valid for
    births since their region was created."""
    first = datetime.date(1992, 1, 1)
    born = first + datetime.timedelta(days=rng.randrange(15 * 365))
    body = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + str(ric.calc_check_digit(body + "0"))


def credit_code(rng: random.Random, region: str) -> str:
    """A unified social credit code of an enterprise registered in `region` (GB 32100)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = f"91{region}" + "".join(rng.choice(alphabet) for _ in range(9))
    return body + str(uscc.calc_check_digit(body))


def enterprise(rng: random.Random, township: str) -> str:
    return f"五莲县{township[:2]}{rng.choice(BUSINESS_WORDS)}有限公司（模拟）"
