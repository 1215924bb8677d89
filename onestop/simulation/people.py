"""Synthetic people of the simulated region: names, resident IDs and credit codes with valid
check characters (DEVELOPMENT DATA ONLY: nobody's real number), drawn from the simulation's
random generator so that a seed gives the same people."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone
from stdnum.cn import ric, uscc

from onestop.core import identity

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


# The adults of a rural county by age (share of the adult population, after the 2020 census
# of Shandong's counties: about three in ten adults are 60 or older).
AGE_BANDS = ((18, 30, 0.16), (30, 45, 0.24), (45, 60, 0.30), (60, 70, 0.16), (70, 80, 0.09),
             (80, 91, 0.05))  # fmt: skip
# Resident ID numbers were first assigned in 1984-1985: whoever was born before carries the
# code of their county in the year they got it, not in the year they were born.
FIRST_ASSIGNED = 1984


def age(rng: random.Random, quantile: float | None = None) -> int:
    """An adult's age in full years, drawn from `AGE_BANDS`; at `quantile` (0..1) of the
    distribution when given (a cast drawn by quantiles has the region's spread even when small)."""
    point = rng.random() if quantile is None else quantile
    for low, high, share in AGE_BANDS:
        if point < share:
            return low + int((high - low) * point / share)
        point -= share
    return AGE_BANDS[-1][1] - 1


def birth_date(rng: random.Random, years: int, on: datetime.date) -> datetime.date:
    """A birth date of someone `years` old (full years) on `on`."""
    try:
        birthday = on.replace(year=on.year - years)
    except ValueError:  # 29 February
        birthday = on.replace(year=on.year - years, day=28)
    return birthday - datetime.timedelta(days=rng.randrange(365))


def resident_id(
    rng: random.Random, region: str, born: datetime.date | None = None, *, female: bool = False
) -> str:
    """A resident ID of someone born on `born` (default: an adult of the region's age spread)
    whose number was assigned in the county now coded `region` (check character by GB 11643).
    The region code is the county's code in the year the number was assigned (the birth, or
    1984-1985 for older people): a Wulian senior carries 370729, a Wulian adult born in 1990
    370729 and one born since 1992 371121 (`identity.region_code_in`, from stdnum's table)."""
    if born is None:
        born = birth_date(rng, age(rng), timezone.localdate())
    assigned = max(born.year, FIRST_ASSIGNED + rng.randrange(2))
    code = identity.region_code_in(region, assigned)
    sequence = rng.randrange(500) * 2 + (0 if female else 1)  # odd for men, even for women
    body = f"{code}{born:%Y%m%d}{sequence:03d}"
    return body + str(ric.calc_check_digit(body + "0"))


def credit_code(rng: random.Random, region: str) -> str:
    """A unified social credit code of an enterprise registered in `region` (GB 32100)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = f"91{region}" + "".join(rng.choice(alphabet) for _ in range(9))
    return body + str(uscc.calc_check_digit(body))


def enterprise(rng: random.Random, township: str) -> str:
    return f"五莲县{township[:2]}{rng.choice(BUSINESS_WORDS)}有限公司（模拟）"
