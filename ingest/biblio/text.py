"""Text helpers the bibliographic readers share: markup, names, dates, ISSNs, and validation.

Markup is parsed with lxml's HTML parser, which takes fragments as publishers send them
(JATS with an undeclared ``jats:`` prefix, HTML entities, stray ``<``) without raising.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

import lxml.html
from lxml import etree
from pydantic import ValidationError

from ingest.biblio.records import ParsedRecord, problems_of
from kb.errors import IdentifierError, cap
from kb.identifiers import normalize_doi, normalize_issn
from kb.models import Publication

__all__ = [
    "strip_markup",
    "abstract_sections",
    "split_name",
    "initials_of",
    "partial_date",
    "date_from_parts",
    "month_number",
    "parse_loose_date",
    "split_pages",
    "issns_in",
    "valid_doi",
    "build_record", "untyped_journal", "too_deep", "MAX_JSON_DEPTH",
]

# Elements after which text runs on as a new block: without a space, "</p><p>" glues words.
_BLOCK_TAGS = frozenset(
    {"p", "sec", "title", "div", "br", "li", "list-item", "list", "label", "caption", "abstract", "tr", "td", "th"}
)
_ABSTRACT_HEADINGS = frozenset({"abstract", "summary"})


def _local(tag: object) -> str:
    # lxml.html keeps 'jats:p' as the tag name; comments and processing instructions have no str tag.
    return tag.rsplit(":", 1)[-1].lower() if isinstance(tag, str) else ""


def _squash(text: str) -> str:
    return " ".join(text.split())


def _collect(element: etree._Element, out: list[str]) -> None:
    if element.text and isinstance(element.tag, str):
        out.append(element.text)
    for child in element:
        _collect(child, out)
        if _local(child.tag) in _BLOCK_TAGS:
            out.append(" ")
        if child.tail:
            out.append(child.tail)


def _fragment(text: str) -> etree._Element:
    return lxml.html.fragment_fromstring(text, create_parent="div")


def strip_markup(text: str | None) -> str:
    """Return the plain text of a JATS/HTML fragment, entities decoded, white space normalized.

    >>> strip_markup("<jats:p>Styrene and <i>p</i>-bromostyrene &amp; SO<sub>2</sub></jats:p>")
    'Styrene and p-bromostyrene & SO2'
    >>> strip_markup("<jats:p>One.</jats:p><jats:p>Two.</jats:p>")
    'One. Two.'
    """
    if not text:
        return ""
    if "<" not in text and "&" not in text:
        return _squash(text)
    out: list[str] = []
    _collect(_fragment(text), out)
    return _squash("".join(out))


def abstract_sections(text: str | None) -> list[dict[str, str | None]]:
    """Split a JATS abstract into ``{"label", "text"}`` sections, keeping ``<jats:sec>`` titles as labels.

    A leading title 'Abstract' is a heading, not a section label.

    >>> abstract_sections("<jats:title>Abstract</jats:title><jats:p>Plain.</jats:p>")
    [{'label': None, 'text': 'Plain.'}]
    >>> abstract_sections("<jats:sec><jats:title>Methods</jats:title><jats:p>We did.</jats:p></jats:sec>"
    ...                   "<jats:sec><jats:title>Results</jats:title><jats:p>It worked.</jats:p></jats:sec>")
    [{'label': 'Methods', 'text': 'We did.'}, {'label': 'Results', 'text': 'It worked.'}]
    """
    if not text or not text.strip():
        return []
    if "<" not in text:
        plain = strip_markup(text)
        return [{"label": None, "text": plain}] if plain else []
    root = _fragment(text)
    for child in list(root):
        if _local(child.tag) == "title" and _squash(child.text_content()).lower() in _ABSTRACT_HEADINGS:
            child.drop_tree()  # lxml.html keeps the tail text that follows the element
    if not any(_local(child.tag) == "sec" for child in root):
        plain = _plain(root)
        return [{"label": None, "text": plain}] if plain else []
    result: list[dict[str, str | None]] = []
    loose = _squash(root.text or "")  # text outside any <sec> becomes an unlabelled section
    for child in root:
        if _local(child.tag) != "sec":
            loose = _squash(f"{loose} {_plain(child)} {child.tail or ''}")
            continue
        if loose:
            result.append({"label": None, "text": loose})
        label = None
        titles = [grandchild for grandchild in child if _local(grandchild.tag) == "title"]
        if titles:
            label = _squash(titles[0].text_content()).rstrip(":").strip() or None
            titles[0].drop_tree()
        body = _plain(child)
        if body:
            result.append({"label": label, "text": body})
        loose = _squash(child.tail or "")
    if loose:
        result.append({"label": None, "text": loose})
    return result


def _plain(element: etree._Element) -> str:
    out: list[str] = []
    _collect(element, out)
    return _squash("".join(out))


def split_name(text: str) -> tuple[str, str | None]:
    """Split a personal name into ``(family, given)``: 'Last, First' or 'First Last'.

    >>> split_name("Weber, Donna M.")
    ('Weber', 'Donna M.')
    >>> split_name("Donna M. Weber")
    ('Weber', 'Donna M.')
    >>> split_name("Madonna")
    ('Madonna', None)
    """
    text = _squash(text)
    if "," in text:
        family, given = (part.strip() for part in text.split(",", 1))
        return family, given or None
    parts = text.rsplit(" ", 1)
    if len(parts) == 1:
        return text, None
    return parts[1], parts[0]


def initials_of(given: str | None) -> str | None:
    """Initials of given names, splitting on spaces, dots and hyphens.

    >>> initials_of("C.R.")
    'CR'
    >>> initials_of("Jean-Pierre A")
    'JPA'
    """
    if not given:
        return None
    letters = "".join(part[0] for part in re.split(r"[\s.\-]+", given) if part and part[0].isalpha())
    return letters.upper() or None


def partial_date(
    year: object, month: object = None, day: object = None, *, problems: list[tuple[str, str]] | None = None, path: str = "date"
) -> str | None:
    """A ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` string from parts, or None when there is no valid year.

    A month or day out of range is dropped, not guessed: the date stays partial. Each part
    that is given and dropped is recorded in ``problems`` as ``(path, message)``, so the load
    report can say what was lost.

    >>> partial_date(2007, "11", 22)
    '2007-11-22'
    >>> partial_date("2009", 13)
    '2009'
    >>> found = []
    >>> partial_date(2007, 13, 45, problems=found), found
    ('2007', [('date', 'month 13 is not a month (1-12); the date keeps 2007, day 45 dropped')])
    >>> partial_date(None)
    """
    y = _int(year)
    if y is None or not 1000 <= y <= 2999:
        if problems is not None and _given(year):
            problems.append((path, f"year {_shown(year)} is not a year; date dropped"))
        return None
    m = _int(month)
    if m is None or not 1 <= m <= 12:
        if problems is not None and _given(month):
            lost = f", day {_shown(day)} dropped" if _given(day) else ""
            problems.append((path, f"month {_shown(month)} is not a month (1-12); the date keeps {y:04d}{lost}"))
        return f"{y:04d}"
    d = _int(day)
    if d is not None:
        try:
            return date(y, m, d).isoformat()
        except ValueError:
            pass  # An impossible day leaves the year and month, which are valid.
    if problems is not None and _given(day):
        problems.append((path, f"day {_shown(day)} is not a day of {y:04d}-{m:02d}; the date keeps {y:04d}-{m:02d}"))
    return f"{y:04d}-{m:02d}"


def _given(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _shown(value: object) -> str:
    return cap(repr(value) if isinstance(value, str) and not value.strip().isdecimal() else str(value).strip(), 40)


def _int(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 9:
        return int(value.strip())  # longer digit runs are no date part (and int() of 100,000 digits raises)
    return None


def date_from_parts(value: object, *, problems: list[tuple[str, str]] | None = None, path: str = "date") -> str | None:
    """A partial date from a CSL/Crossref date object (``{"date-parts": [[y, m, d]]}``), else None.

    A date object that is given but gives no date, or a part that is dropped, is recorded in
    ``problems`` (see :func:`partial_date`).

    >>> date_from_parts({"date-parts": [[2018, 3]]})
    '2018-03'
    >>> date_from_parts({"date-parts": [[None]]})
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        if problems is not None:
            problems.append((path, f"expected a date object, got {type(value).__name__}; date dropped"))
        return None
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        if parts[0][0] is None and len(parts[0]) == 1:
            return None  # Crossref's way of saying 'no date'
        return partial_date(*parts[0][:3], problems=problems, path=path)
    for key in ("raw", "literal"):
        if isinstance(value.get(key), str):
            return parse_loose_date(value[key], problems=problems, path=path)
    if problems is not None and (parts is not None or value):
        problems.append((path, f"no date in {cap(repr(value), 80)}; date dropped"))
    return None


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_ISO_LIKE = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})?(?:[-/.](\d{1,2})?)?)?(?:[-/.].*)?$")
_YEAR = re.compile(r"\b(\d{4})\b")


def month_number(text: object) -> int | None:
    """A month number from '8', 'Aug', 'august' or 'Aug.'.

    >>> month_number("Aug")
    8
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return text if 1 <= text <= 12 else None
    if not isinstance(text, str):
        return None
    word = text.strip().lower().rstrip(".")
    if word.isdecimal():
        return int(word) if len(word) <= 2 and 1 <= int(word) <= 12 else None
    return _MONTHS.get(word)


def parse_loose_date(
    text: str | None, year_hint: str | None = None, *, problems: list[tuple[str, str]] | None = None, path: str = "date"
) -> str | None:
    """A partial date from reference-manager text: '2007/11/22/', '2007//', '2015-07', 'Nov 22'.

    ``year_hint`` supplies the year for text that has none (RIS ``DA  - Nov 22`` beside ``PY  - 2007``).
    Text that gives no date, and parts that are dropped, are recorded in ``problems``.

    >>> parse_loose_date("2007/11/22/")
    '2007-11-22'
    >>> parse_loose_date("2007//")
    '2007'
    >>> parse_loose_date("Nov 22", year_hint="2007")
    '2007-11-22'
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    match = _ISO_LIKE.match(text)
    if match:
        return partial_date(*match.groups(), problems=problems, path=path)
    words = [word for word in re.split(r"[\s,/\-]+", text) if word]
    year = next((w for w in words if len(w) == 4 and w.isdecimal()), year_hint)
    month = next((month_number(w) for w in words if month_number(w) and not w.isdecimal()), None)
    day = next((w for w in words if w.isdecimal() and len(w) <= 2), None) if month else None
    found = partial_date(year, month, day, problems=problems, path=path)
    if found is None and problems is not None and year is None:
        problems.append((path, f"{cap(text, 40)!r} is not a date; date dropped"))
    return found


def split_pages(text: str | None) -> tuple[str | None, str | None]:
    """``(first, last)`` from '2133-2142', '2133–2142', '2133--2142' or 'e33693'.

    >>> split_pages("2133--2142")
    ('2133', '2142')
    >>> split_pages("e000776")
    ('e000776', None)
    """
    if not text or not text.strip():
        return None, None
    parts = [part.strip() for part in re.split(r"\s*(?:-+|–|—)\s*", text.strip(), maxsplit=1)]
    first = parts[0] or None
    last = parts[1] if len(parts) > 1 and parts[1] else None
    return first, last


def issns_in(values: Iterable[object], *, strict: bool = False) -> list[str]:
    """The valid ISSNs among strings that may hold several ('1687-5265, 1687-5273'), in order, once each.

    Anything else (an ISBN in RIS ``SN``) is left out; with ``strict`` (a field that holds
    only ISSNs) it is kept as written, so that validation reports it with its field.

    >>> issns_in(["1932-8494 1932-8486", "978-3-16-148410-0"])
    ['1932-8494', '1932-8486']
    >>> issns_in(["0028-4794"], strict=True)
    ['0028-4794']
    """
    found: list[str] = []
    for value in values:
        if not isinstance(value, str):
            continue
        for token in re.split(r"[\s,;]+", value):
            if not token.strip("()[]"):
                continue
            try:
                issn = normalize_issn(token.strip("()[]"))
            except IdentifierError:
                if not strict:
                    continue
                issn = token
            if issn not in found:
                found.append(issn)
    return found


def valid_doi(value: object) -> str | None:
    """The DOI normalized, or None when ``value`` is not a DOI (RIS M3 often holds a work type).

    >>> valid_doi("https://doi.org/10.1016/J.JMPS.2004.03.010")
    '10.1016/j.jmps.2004.03.010'
    >>> valid_doi("Article")
    """
    try:
        return normalize_doi(value)
    except IdentifierError:
        return None


def untyped_journal(title: str, short: str | None, issns: list[str], publisher: str | None) -> dict[str, object]:
    """Journal fields from a format whose ISSNs are untyped (CSL, BibTeX, RIS).

    Exporters write the print ISSN before the electronic one, so the first is taken as print;
    an abbreviation equal to the title is no abbreviation.

    >>> untyped_journal("Blood", "Blood", ["0006-4971", "1528-0020"], None)["issn_electronic"]
    '1528-0020'
    """
    print_issn, electronic_issn = (issns + [None, None])[:2]
    return {
        "title": title,
        "iso_abbreviation": short if short and short != title else None,
        "issn_print": print_issn,
        "issn_electronic": electronic_issn,
        "publisher": publisher,
    }


def build_record(location: str, fields: Mapping[str, object], problems: Iterable[tuple[str, str]] = ()) -> ParsedRecord:
    """Validate ``fields`` as a :class:`Publication`; a failure gives the record's problems with their field paths.

    Fields that are None or empty are left out, so the model's defaults apply. ``problems``
    are values the reader dropped or changed on the way (a month 13, a wrong-typed field):
    they stay with the record, as notes when it loads.
    """
    dropped = tuple(problems)
    data = {key: value for key, value in fields.items() if value not in (None, "", (), [])}
    try:
        publication = Publication.model_validate(data)
    except ValidationError as error:
        return ParsedRecord(location, None, dropped + problems_of(error))
    return ParsedRecord(location, publication, dropped)


#: The deepest nesting of objects and lists a JSON input may have. Crossref works, CSL items and
#: ClinicalTrials.gov studies nest about ten levels; deeper input is hostile and would exhaust the
#: stack of code that walks it.
MAX_JSON_DEPTH = 64


def too_deep(value: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``value`` nests objects and lists more than ``limit`` levels (checked without recursion).

    >>> too_deep([[[]]], limit=2), too_deep({"a": [1]}, limit=2)
    (True, False)
    """
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, Mapping) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (Mapping, list)))
    return False
