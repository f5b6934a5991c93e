"""Unified social credit codes 统一社会信用代码 (GB 32100-2015).

18 characters: registering authority (1), organisation type (1), administrative division (6),
organisation code (9, itself ending in a GB 11714 check character) and a final check character.
The final check is a weighted sum modulo 31 over an alphabet without I, O, Z, S and V, so a
mistyped character is caught before a wrong enterprise is stored.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# 3^(i) mod 31 for positions 1..17.
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 11714 organisation code: 8 characters (digits or capitals) and a check character.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (raises ValueError on a character outside the set)."""
    if len(first17) != 17:
        raise ValueError("a credit code body has 17 characters")
    total = 0
    for ch, weight in zip(first17.upper(), _WEIGHTS, strict=True):
        if ch not in _VALUE:
            raise ValueError(f"{ch!r} is not allowed in a credit code")
        total += _VALUE[ch] * weight
    return ALPHABET[(31 - total % 31) % 31]


def organisation_check(first8: str) -> str:
    """The 9th character of a GB 11714 organisation code."""
    total = 0
    for ch, weight in zip(first8.upper(), _ORG_WEIGHTS, strict=True):
        value = int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10
        total += value * weight
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make_credit_code(division: str, organisation8: str, *, authority: str = "9", org_type: str = "1") -> str:
    """A valid code for a company (authority 9 = market regulation, type 1 = enterprise)."""
    body = authority + org_type + division + organisation8 + organisation_check(organisation8)
    return body + check_character(body)


def is_valid_credit_code(code: str) -> bool:
    """True when ``code`` has 18 allowed characters and a correct final check character."""
    if not isinstance(code, str) or len(code) != 18:
        return False
    code = code.upper()
    if any(ch not in _VALUE for ch in code):
        return False
    return check_character(code[:17]) == code[17]


def normalize_credit_code(code: str) -> str:
    # People copy codes with spaces and in lower case; the check is on the canonical form.
    return "".join(code.split()).upper()


def check_credit_code(errors: dict[str, str], code: str, field: str = "credit_code") -> str | None:
    """The canonical code (None for none), or a message in ``errors``: the one rule for a
    credit code, used by the enterprise service, the bulk import and the seed files."""
    code = normalize_credit_code(code)
    if not code:
        return None
    if len(code) != 18:
        errors[field] = "A unified social credit code has 18 characters."
    elif not is_valid_credit_code(code):
        errors[field] = "This unified social credit code is not valid: its check character does not match."
    return code
