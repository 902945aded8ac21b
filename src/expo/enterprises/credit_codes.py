"""Building unified social credit codes (GB 32100) with their check characters.

The demo's enterprises and the tests' factories need codes that pass the same checks as
one typed by a clerk (:func:`expo.enterprises.services.validate_credit_code`).
"""

from __future__ import annotations

from stdnum.cn import uscc

# GB 11714: the weights of the eight digits of an organization code's body.
_ORGANIZATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def build_credit_code(prefecture: str, organization: str) -> str:
    """The unified social credit code of a company (法人, 91) registered in a prefecture.

    ``prefecture`` is the six-digit administrative code, ``organization`` the eight-digit
    body of the organization code; the organization code's check digit (GB 11714) and the
    credit code's final check character (GB 32100) are computed here.
    """
    total = sum(
        int(digit) * weight
        for digit, weight in zip(organization, _ORGANIZATION_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    check_digit = {10: "X", 11: "0"}.get(check, str(check))
    body = f"91{prefecture}{organization}{check_digit}"
    return body + uscc.calc_check_digit(body)
