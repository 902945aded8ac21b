"""What others see of personal data they may not read in full."""

from __future__ import annotations


def mask_passport(number: str | None) -> str:
    """What non-organizers see of a passport number: enough to recognise, not to use."""
    number = number or ""
    return "" if not number else f"{number[:1]}{'•' * max(len(number) - 3, 1)}{number[-2:]}"
