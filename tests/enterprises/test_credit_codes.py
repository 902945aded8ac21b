"""Credit codes built for the demo and the tests pass the checks a clerk's code must pass."""

from __future__ import annotations

import pytest
from stdnum.cn import uscc

from expo.enterprises import services
from expo.enterprises.credit_codes import build_credit_code


def test_a_published_code_is_rebuilt_from_its_prefecture_and_organization():
    assert build_credit_code("110000", "60003734") == "91110000600037341L"


@pytest.mark.parametrize("organization", ["00000000", "20184736", "27390518", "99999999"])
def test_every_built_code_is_valid_and_names_its_prefecture(app, organization):
    code = build_credit_code("510700", organization)

    assert len(code) == 18 and code[2:8] == "510700" and code[8:16] == organization
    assert uscc.validate(code) == code
    assert services.validate_credit_code(code) == code
