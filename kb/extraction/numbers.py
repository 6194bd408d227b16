"""Numbers as abstracts write them: ``0·72``, ``−2.3`` (Unicode minus), ``– 2.3``, ``.05``,
``1.2 × 10−5``, thin and no-break spaces, and small number words ("Twenty-five").

The regular-expression pieces here are shared by every rule module, so that one notion of
"a number" is used everywhere.
"""

from __future__ import annotations

import re

__all__ = ["SIGN", "SPACE", "UNSIGNED", "SIGNED", "DASH", "parse_number", "parse_count", "WORD_NUMBER", "word_number"]

#: Characters written as a minus sign: hyphen-minus, Unicode minus, en dash, hyphen, figure dash.
SIGN = "-\u2212\u2013\u2010\u2011\u2012"
#: Dashes that join the two ends of a range.
DASH = "-\u2212\u2013\u2014\u2010\u2011\u2012"
#: Any space, including thin, hair, narrow and no-break spaces.
SPACE = r"[ \t\u00a0\u2009\u200a\u202f\u2002\u2003\u2005\u2006\u2007\u2008]"
_DECIMAL = "[.\u00b7\u2219\u22c5]"  # point, middle dot (Lancet style) and its look-alikes
#: An unsigned decimal number; a thousands comma is allowed only in groups of three.
#: At most 15 integer digits, so that every number a pattern matches is a finite float.
UNSIGNED = rf"(?:(?<!\d)(?:\d{{1,3}}(?:,\d{{3}}){{1,4}}(?!\d)|\d{{1,15}}(?!\d))(?:{_DECIMAL}\d+)?|(?<!\d){_DECIMAL}\d+)"
#: A number with an optional sign (a dash directly before it, or a sign and one space).
SIGNED = rf"(?:[{SIGN}]{SPACE}?)?(?:{UNSIGNED})"

_EXPONENT = re.compile(rf"{SPACE}?[x×\u00d7]{SPACE}?10{SPACE}?(?:\^|\*\*)?([{SIGN}]?)(\d{{1,2}})")
_DECIMAL_RE = re.compile(_DECIMAL)
_SPACES_RE = re.compile(SPACE)


def parse_number(written: str) -> float:
    """The float a written number stands for.

    >>> parse_number("0·72"), parse_number("\u22122.3"), parse_number("\u2013 2.3"), parse_number(".05")
    (0.72, -2.3, -2.3, 0.05)
    >>> parse_number("1,234"), parse_number("1.2 × 10\u22125")
    (1234.0, 1.2e-05)
    """
    text = written.strip()
    exponent = 0
    match = _EXPONENT.search(text)
    if match:
        exponent = int(match.group(2)) * (-1 if match.group(1) else 1)
        text = text[: match.start()]
    text = _SPACES_RE.sub("", text)
    negative = bool(text) and text[0] in SIGN
    if negative:
        text = text[1:]
    text = _DECIMAL_RE.sub(".", text.replace(",", ""))
    value = float(text)
    if exponent:
        value = float(f"{value}e{exponent}")
    return -value if negative else value


_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_BELOW_100 = (
    r"(?:(?:" + "|".join(_TENS) + r")(?:[-\u2010\u2011 ](?:" + "|".join(k for k in _UNITS if _UNITS[k] in range(1, 10)) + r"))?"
    r"|" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")"
)
#: A number word below ten thousand ("Twenty-five", "Seven hundred and eighty-seven"); match case-insensitively.
WORD_NUMBER = (
    rf"(?:{_BELOW_100}[ \u00a0](?:thousand|hundred)(?:,?[ \u00a0](?:and[ \u00a0])?{_BELOW_100}[ \u00a0]hundred)?"
    rf"(?:,?[ \u00a0](?:and[ \u00a0])?{_BELOW_100})?|{_BELOW_100})"
)


def word_number(written: str) -> int:
    """The integer a number word stands for.

    >>> word_number("Twenty-five"), word_number("eleven"), word_number("Seven hundred and eighty-seven")
    (25, 11, 787)
    >>> word_number("two thousand four hundred")
    2400
    """
    parts = re.split(r"[-\u2010\u2011\u00a0, ]+", written.strip().lower())
    total = current = 0
    for part in parts:
        if part == "thousand":
            total += max(current, 1) * 1000
            current = 0
        elif part == "hundred":
            current = max(current, 1) * 100
        else:
            current += _TENS.get(part, 0) + _UNITS.get(part, 0)
    return total + current


def parse_count(written: str) -> int:
    """A count written in digits ('1,090', '1 090' is not a count) or as a number word."""
    stripped = written.strip()
    if stripped[:1].isdigit():
        return int(stripped.replace(",", ""))
    return word_number(stripped)
