"""Validation of a clinic's licensed item wording for an instrument shipped with placeholders.

The clinic uploads one JSON object or a CSV, items in the instrument's order:

- JSON: ``{"instructions": "...", "1": "text", "2": {"text": "...", "anchors": [{"value": 5,
  "label": "Interesting"}, ..., {"value": 0, "label": "Boring"}]}, ...}``;
- CSV: ``item,text`` rows, optionally followed by one ``value=label`` cell per response anchor
  (``2,Item text,5=Interesting,4=,3=,2=,1=,0=Boring``); an ``instructions`` row is allowed.

Response anchors are the words printed at the answer options. They are required where the
definition has none (CSI-16 and CSI-4 ship bare 0-5: their semantic-differential items each
have their own anchors, printed in descending order), optional otherwise. Anchors must give
exactly the item's scale values, once each, in ascending or descending order; their order is
the order the form shows. The upload is checked item by item against the definition (item
count, order and scale) and either parsed or refused with every problem listed.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from assessments.definitions import Instrument

MAX_UPLOAD_BYTES = 256 * 1024
MAX_ITEM_CHARS = 1000
MAX_ANCHOR_CHARS = 200
MAX_INSTRUCTIONS_CHARS = 4000
INSTRUCTIONS_KEY = "instructions"

_JOINERS = frozenset("\u200c\u200d")

WordingFormat = Literal["json", "csv"]


@dataclass(frozen=True)
class LicensedWording:
    """Parsed wording: text for every item of one instrument version."""

    instrument: str
    version: int
    items: Mapping[int, str]
    instructions: str | None = None
    #: item -> ((value, label), ...) in the order the form shows them
    anchors: Mapping[int, tuple[tuple[int, str], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class WordingCheck:
    """The outcome of an upload: ``wording`` when valid, otherwise every error found."""

    wording: LicensedWording | None
    errors: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.wording is not None


def wording_format(filename: str) -> WordingFormat | None:
    """The upload format implied by a file name (``.json`` or ``.csv``), or None."""
    lowered = filename.lower()
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith(".csv"):
        return "csv"
    return None


def validate_wording(
    instrument: Instrument, content: bytes | str, fmt: WordingFormat
) -> WordingCheck:
    """Parse an upload and check it against the definition: every item present once, no unknown
    items, no blank, over-long or control-character text. Never raises for bad input."""
    label = f"{instrument.short_name} (v{instrument.version})"
    if instrument.licence.wording_shipped:
        return _refused(
            f"{label} ships its published wording; uploads are for licensed instruments only"
        )
    raw = content.encode("utf-8") if isinstance(content, str) else content
    if len(raw) > MAX_UPLOAD_BYTES:
        return _refused(f"the file is larger than {MAX_UPLOAD_BYTES // 1024} KB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _refused(f"the file is not UTF-8 text (first bad byte at position {exc.start + 1})")

    errors: list[str] = []
    if fmt == "json":
        entries = _json_entries(text, errors)
    elif fmt == "csv":
        entries = _csv_entries(text, errors)
    else:
        return _refused(f"unknown format {fmt!r}: upload a .json or .csv file")
    if errors:
        return WordingCheck(None, tuple(errors))

    items: dict[int, str] = {}
    anchors: dict[int, tuple[tuple[int, str], ...]] = {}
    instructions: str | None = None
    count = len(instrument.items)
    for where, key, entry, entry_anchors in entries:
        value, raw_anchors = entry, entry_anchors
        if key.strip().lower() == INSTRUCTIONS_KEY:
            if instructions is not None:
                errors.append(f"{where}: instructions are given twice")
                continue
            instructions = _clean(value, where, MAX_INSTRUCTIONS_CHARS, errors)
            continue
        number = _item_number(key)
        if number is None:
            errors.append(f"{where}: {key!r} is not an item number (1-{count}) or 'instructions'")
            continue
        if not instrument.has_item(number):
            errors.append(f"{where}: {label} has no item {number} (items 1-{count})")
            continue
        if number in items:
            errors.append(f"{where}: item {number} is given twice")
            continue
        if items and number < max(items):
            errors.append(
                f"{where}: item {number} comes after item {max(items)}; list the items in the "
                f"instrument's order (1-{count})"
            )
            continue
        if isinstance(value, dict):
            value, raw_anchors = value.get("text"), value.get("anchors")
        cleaned = _clean(value, where, MAX_ITEM_CHARS, errors)
        if cleaned is not None:
            items[number] = cleaned
        checked = _anchors(instrument, number, raw_anchors, where, errors)
        if checked:
            anchors[number] = checked

    missing = [item.number for item in instrument.items if item.number not in items]
    if missing and not errors:
        plural = "s" if len(missing) > 1 else ""
        errors.append(f"missing text for item{plural} {_ranges(missing)}")
    if errors:
        return WordingCheck(None, tuple(errors))
    ordered = {number: items[number] for number in sorted(items)}
    return WordingCheck(
        LicensedWording(instrument.code, instrument.version, ordered, instructions, anchors)
    )


def _bare(option_labels: list[str]) -> bool:
    """True when a scale's options are bare numbers (CSI): the form has no words to show."""
    return all(label.strip().lstrip("-").isdigit() for label in option_labels)


def _anchors(
    instrument: Instrument, number: int, raw: Any, where: str, errors: list[str]
) -> tuple[tuple[int, str], ...]:
    """The item's anchors checked against its scale: exactly its values, once each, in
    ascending or descending order, each with a label (blank labels between the ends are
    allowed: semantic differentials label only their poles)."""
    scale = instrument.item(number).scale
    values = sorted(o.value for o in scale.options)
    needed = _bare([o.label for o in scale.options])
    if raw in (None, [], ""):
        if needed:
            errors.append(
                f"{where}: item {number} needs its response anchors ({instrument.short_name} "
                f"prints words, not bare numbers, at its {values[0]}-{values[-1]} options): give "
                "one value=label per option"
            )
        return ()
    pairs: list[tuple[int, str]] = []
    if not isinstance(raw, list):
        errors.append(f"{where}: item {number}: anchors must be a list of value and label")
        return ()
    for anchor in raw:
        if isinstance(anchor, dict):
            value, label = anchor.get("value"), anchor.get("label", "")
        elif isinstance(anchor, str) and "=" in anchor:
            text_value, _, label = anchor.partition("=")
            value = _item_number(text_value.lstrip("-")) if text_value.strip() else None
            if value is not None and text_value.strip().startswith("-"):
                value = -value
        else:
            errors.append(f"{where}: item {number}: anchor {anchor!r} is not value=label")
            return ()
        if type(value) is not int or not isinstance(label, str):
            errors.append(f"{where}: item {number}: anchor {anchor!r} is not value=label")
            return ()
        label = unicodedata.normalize("NFC", label.strip())
        if len(label) > MAX_ANCHOR_CHARS:
            errors.append(f"{where}: item {number}: an anchor is longer than {MAX_ANCHOR_CHARS}")
            return ()
        pairs.append((value, label))
    given = [value for value, _ in pairs]
    if sorted(given) != values:
        errors.append(
            f"{where}: item {number}: anchors give values {', '.join(map(str, given))}; its "
            f"scale is {', '.join(map(str, values))} (each once)"
        )
        return ()
    if given not in (values, values[::-1]):
        errors.append(
            f"{where}: item {number}: anchors must run in ascending or descending order of value"
        )
        return ()
    if not pairs[0][1] or not pairs[-1][1]:
        errors.append(f"{where}: item {number}: both end anchors need a label")
        return ()
    return tuple(pairs)


def _refused(message: str) -> WordingCheck:
    return WordingCheck(None, (message,))


def _json_entries(text: str, errors: list[str]) -> list[tuple[str, str, Any, Any]]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                errors.append(f"key {key!r}: given twice")
            seen[key] = value
        return seen

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        errors.append(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
        return []
    if not isinstance(data, dict):
        errors.append('the JSON must be one object: {"1": "text of item 1", ...}')
        return []
    return [(f"key {key!r}", key, value, None) for key, value in data.items()]


def _csv_entries(text: str, errors: list[str]) -> list[tuple[str, str, Any, Any]]:
    entries: list[tuple[str, str, Any, Any]] = []
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        errors.append(f"not valid CSV: {exc}")
        return []
    for line, row in enumerate(rows, start=1):
        cells = list(row)
        while cells and not cells[-1].strip():
            cells.pop()  # spreadsheets pad rows with empty columns
        if not cells:
            continue
        if line == 1 and [c.strip().lower() for c in cells[:2]] == ["item", "text"]:
            continue
        if cells[0].strip().lower() == INSTRUCTIONS_KEY and len(cells) != 2:
            errors.append(f"row {line}: expected 2 columns (instructions, text)")
            continue
        if len(cells) < 2:
            errors.append(
                f"row {line}: expected the item, its text and optionally value=label anchors, "
                f"found {len(cells)} column"
            )
            continue
        entries.append((f"row {line}", cells[0], cells[1], cells[2:] or None))
    if not entries and not errors:
        errors.append("the file holds no rows")
    return entries


def _item_number(key: str) -> int | None:
    key = key.strip()
    return int(key) if key.isascii() and key.isdigit() else None


def _clean(value: Any, where: str, limit: int, errors: list[str]) -> str | None:
    if not isinstance(value, str):
        errors.append(f"{where}: the text must be a string")
        return None
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        errors.append(f"{where}: the text is blank")
        return None
    if len(text) > limit:
        errors.append(f"{where}: the text is longer than {limit} characters")
        return None
    # Control and format characters (line breaks, bidi overrides, invisible marks) have no
    # place in an item and can disguise what a client is shown. The zero-width (non-)joiners
    # stay allowed: Persian and Indic scripts need them.
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in _JOINERS for ch in text):
        errors.append(f"{where}: the text contains control or invisible formatting characters")
        return None
    return text


def _ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 7]`` as ``1-3, 7``."""
    parts: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(parts)
