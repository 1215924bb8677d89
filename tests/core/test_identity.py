from __future__ import annotations

import pytest
from django.utils import translation

from onestop.core.errors import ValidationFailed
from onestop.core.identity import (
    birth_year,
    mask_name,
    mask_phone,
    mask_resident_id,
    validate_resident_id,
    validate_uscc,
)

VALID_ID = "37112119930315123X"
VALID_USCC = "91371121MA3C5D7E8U"


def test_valid_resident_id_is_returned_compact() -> None:
    assert validate_resident_id(VALID_ID) == VALID_ID
    assert validate_resident_id(" 371121 19930315 123x ") == VALID_ID


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3711211993031512", "A resident ID has 18 characters."),
        ("37112119930315123A", "A resident ID has 17 digits followed by a digit or the letter X."),
        ("371121199303151231", "The last character of this resident ID does not match"),
        ("", "A resident ID has 18 characters."),
    ],
)
def test_bad_resident_id_says_what_is_wrong(value: str, message: str) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        validate_resident_id(value)
    assert str(caught.value.message).startswith(message)
    assert caught.value.code == "invalid_resident_id"


def test_resident_id_with_impossible_birth_date() -> None:
    body = "37112119931315123"  # month 13
    from stdnum.cn import ric

    value = body + ric.calc_check_digit(body + "0")
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        validate_resident_id(value)
    assert str(caught.value.message) == (
        "The birth date or the region code of this resident ID is not valid."
    )


def test_uscc() -> None:
    assert validate_uscc(VALID_USCC.lower()) == VALID_USCC
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        validate_uscc("91371121MA3C5D7E8A")
    assert caught.value.code == "invalid_uscc"
    assert str(caught.value.message).startswith("The last character of this unified social")
    with pytest.raises(ValidationFailed):
        validate_uscc("9137112")


def test_masks() -> None:
    assert mask_resident_id(VALID_ID) == "3711**********123X"
    assert mask_resident_id("1234") == "****"
    assert mask_resident_id("") == ""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("12345") == "1****"
    assert mask_phone("") == ""
    assert [mask_name(n) for n in ("张三明", "欧阳小华", "王芳", "李", "", " 张三明 ")] == [
        "张*明",
        "欧**华",
        "王*",
        "*",
        "",
        "张*明",
    ]
    assert birth_year(VALID_ID) == int(VALID_ID[6:10])
    assert birth_year("") is None
    assert birth_year("3711") is None


def _rid(body: str) -> str:
    from stdnum.cn import ric

    return body + ric.calc_check_digit(body + "0")


def test_a_senior_keeps_the_code_of_the_year_the_number_was_assigned() -> None:
    """Numbers were first assigned in 1984-85: a Wulian resident born in 1950 carries 370729
    (Wulian's code 1983-1992), which stdnum's own check refuses (it wants the code of the birth
    year, 372229). A code that was gone before the birth stays refused."""
    senior = _rid("37072919500315012")
    assert validate_resident_id(senior) == senior
    assert validate_resident_id(_rid("37222919500315012"))  # stdnum's reading: fine too
    with pytest.raises(ValidationFailed):
        validate_resident_id(_rid("37222919900315012"))  # 372229 ended in 1983
    with pytest.raises(ValidationFailed):
        validate_resident_id(_rid("99999919500315012"))  # no such code


def test_region_codes_over_time() -> None:
    from onestop.core.identity import region_code_in, region_successor

    # Wulian: Weifang's 372229 until 1983, 370729 to 1992, Rizhao's 371121 since.
    assert [region_code_in("371121", y) for y in (1950, 1985, 1993)] == [
        "372229",
        "370729",
        "371121",
    ]
    assert region_successor("370729") == region_successor("372229") == "371121"
    # Ganyu: a county (322128, 320721) until it became a district of Lianyungang in 2014.
    assert [region_code_in("320707", y) for y in (1950, 1990, 2015)] == [
        "322128",
        "320721",
        "320707",
    ]
    assert region_successor("320721") == "320707"
    # Xihu has been 330106 since 1983; before, Hangzhou's "市区" named no one district.
    assert region_code_in("330106", 1990) == "330106"
    assert region_successor("330120") is None
    assert region_successor("330106") == "330106"
    assert region_successor("999999") is None
