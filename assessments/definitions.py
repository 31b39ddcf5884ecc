"""Instrument definition files: load, validate (JSON Schema + semantic checks), freeze.

A definition is data (one JSON file per instrument version under ``assessments/instruments/``);
this module turns it into frozen dataclasses and refuses anything malformed with a
``DefinitionError`` naming the file and the JSON path of the offending field.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jsonschema

SCHEMA_PATH = Path(__file__).with_name("instrument_schema.json")
FILE_NAME = re.compile(r"^(?P<code>[a-z][a-z0-9]{1,31})-(?P<version>[1-9][0-9]*)\.json$")
TOTAL_ID = "total"

Direction = Literal["higher_is_worse", "higher_is_better", "neutral"]
Method = Literal["sum", "mean"]
ReliabilityMethod = Literal["jacobson_truax", "fixed_threshold", "none"]


class DefinitionError(ValueError):
    """A definition file is malformed; the message names the file and the JSON path."""

    def __init__(self, file: str, path: str, message: str) -> None:
        self.file = file
        self.path = path
        self.reason = message
        super().__init__(f"{file}: {path}: {message}")


# --- frozen dataclasses -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    """A published number (SD, reliability, threshold) with where it comes from."""

    value: float
    source: str
    verified: bool
    kind: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ReliabilityParams:
    """What reliable change and partner discrepancy are judged against.

    ``method`` picks the reliable-change rule; ``sd`` and ``r`` also drive partner discrepancy.
    """

    method: ReliabilityMethod = "none"
    sd: Figure | None = None
    r: Figure | None = None
    fixed_threshold: Figure | None = None
    note: str | None = None
    #: a smaller published change that counts as a treatment response (PCL-5: 5 points), shown
    #: under the fixed threshold; its `kind` names it
    response_threshold: Figure | None = None

    @classmethod
    def jacobson_truax(cls, *, sd: float, r: float, source: str) -> ReliabilityParams:
        """Parameters set outside the definition (e.g. by a clinic admin) for Jacobson-Truax."""
        _check_sd_r(sd, r)
        return cls(
            method="jacobson_truax",
            sd=Figure(float(sd), source, verified=True),
            r=Figure(float(r), source, verified=True),
        )

    @classmethod
    def fixed(cls, *, points: float, source: str) -> ReliabilityParams:
        """A fixed change threshold in points set outside the definition."""
        if not points > 0:
            raise ValueError("a change threshold must be a positive number of points")
        return cls(method="fixed_threshold", fixed_threshold=Figure(float(points), source, True))

    def overridden(
        self,
        *,
        sd: float | None = None,
        r: float | None = None,
        fixed_threshold: float | None = None,
        source: str,
    ) -> ReliabilityParams:
        """These parameters with a clinic's values replacing the ones given.

        Giving SD or r selects Jacobson-Truax; giving a fixed threshold selects it instead.
        """
        if fixed_threshold is not None and (sd is not None or r is not None):
            raise ValueError("override either SD/r or a fixed threshold, not both")
        if fixed_threshold is not None:
            if not fixed_threshold > 0:
                raise ValueError("a change threshold must be a positive number of points")
            figure = Figure(float(fixed_threshold), source, verified=True)
            return replace(self, method="fixed_threshold", fixed_threshold=figure)
        if sd is None and r is None:
            return self
        new_sd = Figure(float(sd), source, True) if sd is not None else self.sd
        new_r = Figure(float(r), source, True) if r is not None else self.r
        _check_sd_r(new_sd.value if new_sd else 1.0, new_r.value if new_r else 0.5)
        return replace(self, method="jacobson_truax", sd=new_sd, r=new_r)


def _check_sd_r(sd: float, r: float) -> None:
    if not (sd > 0 and math.isfinite(sd)):
        raise ValueError("SD must be a positive number")
    if not 0 < r < 1:
        raise ValueError("r must be between 0 and 1 (exclusive)")


@dataclass(frozen=True, slots=True)
class ResponseOption:
    value: int
    label: str
    loinc: str | None = None


@dataclass(frozen=True, slots=True)
class ResponseScale:
    """Options in printed order; answers are stored by value, never by position."""

    id: str
    options: tuple[ResponseOption, ...]
    note: str | None = None

    @property
    def values(self) -> frozenset[int]:
        return frozenset(o.value for o in self.options)

    @property
    def min_value(self) -> int:
        return min(o.value for o in self.options)

    @property
    def max_value(self) -> int:
        return max(o.value for o in self.options)

    def label_for(self, value: int) -> str | None:
        """The printed label of a stored value, or None if the value is not on this scale."""
        for option in self.options:
            if option.value == value:
                return option.label
        return None


@dataclass(frozen=True, slots=True)
class Item:
    number: int
    text: str | None
    scale: ResponseScale
    scored: bool = True
    optional: bool = False
    published_as: str | None = None
    loinc: str | None = None

    @property
    def display_text(self) -> str:
        """The shipped wording, or the neutral placeholder used until a clinic uploads its own."""
        return self.text if self.text is not None else f"Item {self.number}"


@dataclass(frozen=True, slots=True)
class ReverseKeying:
    """Reverse-keyed items are scored as ``constant - value`` (e.g. ``8 - value`` on 1-7)."""

    items: frozenset[int]
    constant: int
    formula: str
    source: str


@dataclass(frozen=True, slots=True)
class Band:
    min: float
    max: float
    label: str


@dataclass(frozen=True, slots=True)
class Bands:
    ranges: tuple[Band, ...]
    source: str
    verified: bool
    note: str | None = None

    def label_for(self, value: float) -> str:
        """Published label for a score; a prorated value between two published bounds
        belongs to the band whose lower bound it has reached (as with the cut-off)."""
        label = self.ranges[0].label
        for band in self.ranges:
            if value >= band.min:
                label = band.label
        return label


_COMPARE = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}


@dataclass(frozen=True, slots=True)
class Cutoff:
    """A clinical cut-off: ``met`` is True when the score is on the clinical side of it."""

    value: float
    comparison: Literal[">=", ">", "<=", "<"]
    label: str
    source: str
    verified: bool
    note: str | None = None

    def met(self, score: float) -> bool:
        return _COMPARE[self.comparison](score, self.value)


@dataclass(frozen=True, slots=True)
class MissingRule:
    """How many answered items a scale needs, and how missing ones are filled in."""

    rule: Literal["proportion", "median_replacement", "max_missing"]
    percent: int | None = None
    min_items: int | None = None
    source: str | None = None
    note: str | None = None
    max_missing: int | None = None

    def min_needed(self, item_count: int) -> int:
        """Smallest number of answered items for which the scale is computed."""
        if self.rule == "max_missing":
            # A published count of missing items (PHQ-9: 2 of 9), not a share.
            return max(1, item_count - (self.max_missing or 0))
        # Integer arithmetic: ceil(percent% of n) without float error (0.8 * 30 != 24.0 exactly).
        share = max(1, -(-(self.percent or 100) * item_count // 100))
        if self.rule == "median_replacement":
            if self.percent is None:
                return self.min_items or 1
            return max(self.min_items or 1, share)
        return share


@dataclass(frozen=True, slots=True)
class NormTable:
    id: str
    population: str
    source: str
    verified: bool
    table: tuple[tuple[float, float], ...]  # (score, percentile), scores ascending


@dataclass(frozen=True, slots=True)
class Scale:
    """The total or a subscale: which items, how combined, and how to read the result."""

    id: str
    name: str
    items: tuple[int, ...]
    method: Method
    direction: Direction
    range_min: float
    range_max: float
    missing: MissingRule
    bands: Bands | None
    cutoff: Cutoff | None
    reliability: ReliabilityParams
    norms: tuple[NormTable, ...] = ()
    loinc: str | None = None

    @property
    def is_total(self) -> bool:
        return self.id == TOTAL_ID


@dataclass(frozen=True, slots=True)
class RiskItem:
    item: int
    min_value: int
    severity: Literal["alert", "soft"]
    label: str
    message: str
    source: str


@dataclass(frozen=True, slots=True)
class Cluster:
    id: str
    name: str
    items: tuple[int, ...]
    required: int


@dataclass(frozen=True, slots=True)
class ClusterRule:
    """A symptom-pattern rule (PCL-5's provisional DSM-5 rule): never a diagnosis."""

    id: str
    label: str
    endorsed_at: int
    clusters: tuple[Cluster, ...]
    source: str


@dataclass(frozen=True, slots=True)
class Licence:
    wording_shipped: bool
    text: str
    copyright: str | None
    source: str
    verified: bool = True


@dataclass(frozen=True, eq=False)
class Instrument:
    """One version of one instrument. Compared by identity: a loaded definition is a value
    that never changes, and scoring caches its precomputed lookups per instrument object."""

    code: str
    version: int
    name: str
    short_name: str
    instructions: str
    recall_period: str
    direction: Direction
    citation: str
    licence: Licence
    grounding_note: str | None
    loinc_panel: str | None
    loinc_total: str | None
    response_scales: tuple[ResponseScale, ...]
    items: tuple[Item, ...]
    reverse_keyed: ReverseKeying | None
    total: Scale | None
    subscales: tuple[Scale, ...]
    risk_items: tuple[RiskItem, ...]
    cluster_rule: ClusterRule | None
    notes: tuple[str, ...]
    source_file: str
    _items_by_number: Mapping[int, Item] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_items_by_number", {item.number: item for item in self.items})

    @property
    def scales(self) -> tuple[Scale, ...]:
        """The total (if any) followed by the subscales."""
        return ((self.total,) if self.total else ()) + self.subscales

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scored)

    def item(self, number: int) -> Item:
        """The item with this stable number; KeyError if the instrument has none."""
        return self._items_by_number[number]

    def has_item(self, number: int) -> bool:
        return number in self._items_by_number

    def scale(self, scale_id: str) -> Scale:
        """The total or subscale with this id; KeyError naming the known ids otherwise."""
        for scale in self.scales:
            if scale.id == scale_id:
                return scale
        known = ", ".join(s.id for s in self.scales)
        raise KeyError(f"{self.short_name} has no scale {scale_id!r} (known: {known})")

    def __str__(self) -> str:
        return f"{self.short_name} (v{self.version})"


# --- loading --------------------------------------------------------------------------------


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def json_path(parts: Iterable[str | int]) -> str:
    """Render a sequence of keys and indexes as ``$.total.bands.ranges[2].min``."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a definition may hold")


def parse_definition(data: Any, file: str) -> Instrument:
    """Validate already-parsed JSON against the schema and the semantic rules; freeze it."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        raise DefinitionError(file, json_path(error.absolute_path), error.message)
    return _Builder(data, file).build()


def load_definition(path: Path) -> Instrument:
    """Read, validate and freeze one definition file; the file name must be ``<code>-<version>.json``."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(name, "$", f"cannot read the file: {exc}") from exc
    try:
        data = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
        )
    except (json.JSONDecodeError, ValueError) as exc:
        raise DefinitionError(name, "$", f"not valid JSON: {exc}") from exc
    instrument = parse_definition(data, name)
    match = FILE_NAME.match(name)
    expected = f"{instrument.code}-{instrument.version}.json"
    if not match or name != expected:
        raise DefinitionError(
            name, "$.code", f"file name must be {expected!r} for this code/version"
        )
    return instrument


def load_directory(directory: Path) -> tuple[Instrument, ...]:
    """Every ``*.json`` definition in a directory, validated; sorted by code then version."""
    instruments = [load_definition(path) for path in sorted(directory.glob("*.json"))]
    if not instruments:
        raise DefinitionError(str(directory), "$", "no instrument definitions found")
    return tuple(sorted(instruments, key=lambda i: (i.code, i.version)))


class _Builder:
    """Semantic checks in the order a reader would make them, then construction."""

    def __init__(self, data: dict[str, Any], file: str) -> None:
        self.data = data
        self.file = file

    def fail(self, path: Iterable[str | int], message: str) -> DefinitionError:
        return DefinitionError(self.file, json_path(path), message)

    def build(self) -> Instrument:
        d = self.data
        scales = self._response_scales()
        items = self._items(scales)
        by_number = {item.number: item for item in items}
        self._licence_matches_items(items)
        reverse = self._reverse(by_number)
        direction: Direction = d["direction"]
        total = None
        if d["total"] is not None:
            total = self._scale(d["total"], ["total"], by_number, reverse, direction)
            if total.id != TOTAL_ID:
                raise self.fail(["total", "id"], f"the total's id must be {TOTAL_ID!r}")
        subscales = []
        seen_ids = {TOTAL_ID} if total else set()
        for index, raw in enumerate(d["subscales"]):
            path: list[str | int] = ["subscales", index]
            if raw["id"] in seen_ids or raw["id"] == TOTAL_ID:
                raise self.fail([*path, "id"], f"scale id {raw['id']!r} is used twice or reserved")
            seen_ids.add(raw["id"])
            subscales.append(self._scale(raw, path, by_number, reverse, direction))
        if total is None and not subscales:
            raise self.fail(["subscales"], "an instrument needs a total or at least one subscale")
        in_a_scale = {n for s in (total, *subscales) if s for n in s.items}
        for index, item in enumerate(items):
            if item.scored and item.number not in in_a_scale:
                raise self.fail(
                    ["items", index, "scored"],
                    f"item {item.number} is scored but belongs to no scale "
                    '(mark it "scored": false if it is recorded only)',
                )
        loinc = d["loinc"] or {}
        return Instrument(
            code=d["code"],
            version=d["version"],
            name=d["name"],
            short_name=d["short_name"],
            instructions=d["instructions"],
            recall_period=d["recall_period"],
            direction=direction,
            citation=d["citation"],
            licence=Licence(
                wording_shipped=d["licence"]["wording_shipped"],
                text=d["licence"]["text"],
                copyright=d["licence"]["copyright"],
                source=d["licence"]["source"],
                verified=d["licence"].get("verified", True),
            ),
            grounding_note=d["grounding_note"],
            loinc_panel=loinc.get("panel"),
            loinc_total=loinc.get("total"),
            response_scales=tuple(scales.values()),
            items=tuple(items),
            reverse_keyed=reverse,
            total=total,
            subscales=tuple(subscales),
            risk_items=self._risk_items(by_number),
            cluster_rule=self._cluster_rule(by_number),
            notes=tuple(d["notes"]),
            source_file=self.file,
        )

    def _response_scales(self) -> dict[str, ResponseScale]:
        out: dict[str, ResponseScale] = {}
        for index, raw in enumerate(self.data["response_scales"]):
            if raw["id"] in out:
                raise self.fail(["response_scales", index, "id"], f"duplicate id {raw['id']!r}")
            values: set[int] = set()
            for o_index, option in enumerate(raw["options"]):
                if option["value"] in values:
                    raise self.fail(
                        ["response_scales", index, "options", o_index, "value"],
                        f"value {option['value']} appears twice on this scale",
                    )
                values.add(option["value"])
            out[raw["id"]] = ResponseScale(
                id=raw["id"],
                options=tuple(
                    ResponseOption(o["value"], o["label"], o.get("loinc")) for o in raw["options"]
                ),
                note=raw.get("note"),
            )
        return out

    def _items(self, scales: Mapping[str, ResponseScale]) -> list[Item]:
        items = []
        for index, raw in enumerate(self.data["items"]):
            if raw["number"] != index + 1:
                raise self.fail(
                    ["items", index, "number"],
                    f"items must be numbered 1, 2, 3 ... in published order; expected {index + 1}",
                )
            if raw["scale"] not in scales:
                raise self.fail(
                    ["items", index, "scale"], f"unknown response scale {raw['scale']!r}"
                )
            items.append(
                Item(
                    number=raw["number"],
                    text=raw["text"],
                    scale=scales[raw["scale"]],
                    scored=raw.get("scored", True),
                    optional=raw.get("optional", False),
                    published_as=raw.get("published_as"),
                    loinc=raw.get("loinc"),
                )
            )
        return items

    def _licence_matches_items(self, items: list[Item]) -> None:
        # Guards against shipping licensed wording by accident, and against a shipped form
        # with a hole in it.
        shipped = self.data["licence"]["wording_shipped"]
        for index, item in enumerate(items):
            if shipped and item.text is None:
                raise self.fail(
                    ["items", index, "text"], "wording_shipped is true but this item has no text"
                )
            if not shipped and item.text is not None:
                raise self.fail(
                    ["items", index, "text"],
                    "wording_shipped is false: ship null and let the clinic upload licensed text",
                )

    def _check_items(
        self, path: list[str | int], numbers: list[int], by_number: Mapping[int, Item]
    ) -> None:
        seen: set[int] = set()
        for index, number in enumerate(numbers):
            if number not in by_number:
                raise self.fail([*path, index], f"item {number} does not exist")
            if number in seen:
                raise self.fail([*path, index], f"item {number} is listed twice")
            if not by_number[number].scored:
                raise self.fail([*path, index], f"item {number} is not scored")
            seen.add(number)

    def _reverse(self, by_number: Mapping[int, Item]) -> ReverseKeying | None:
        raw = self.data["reverse_keyed"]
        if raw is None:
            return None
        self._check_items(["reverse_keyed", "items"], raw["items"], by_number)
        constant = int(raw["formula"].split(" ", 1)[0])
        for index, number in enumerate(raw["items"]):
            values = by_number[number].scale.values
            if {constant - v for v in values} != values:
                raise self.fail(
                    ["reverse_keyed", "items", index],
                    f"{raw['formula']!r} does not map item {number}'s values "
                    f"{sorted(values)} onto themselves",
                )
        return ReverseKeying(frozenset(raw["items"]), constant, raw["formula"], raw["source"])

    def _scale(
        self,
        raw: dict[str, Any],
        path: list[str | int],
        by_number: Mapping[int, Item],
        reverse: ReverseKeying | None,
        default_direction: Direction,
    ) -> Scale:
        self._check_items([*path, "items"], raw["items"], by_number)
        scales = [by_number[n].scale for n in raw["items"]]
        method: Method = raw["method"]
        if method == "sum":
            low = sum(s.min_value for s in scales)
            high = sum(s.max_value for s in scales)
        else:
            low = min(s.min_value for s in scales)
            high = max(s.max_value for s in scales)
        declared = raw["range"]
        if (declared["min"], declared["max"]) != (low, high):
            raise self.fail(
                [*path, "range"],
                f"declared range {declared['min']}-{declared['max']} does not match the items' "
                f"range {low}-{high}",
            )
        missing = self._missing(raw["min_answered"], [*path, "min_answered"], len(raw["items"]))
        bands = self._bands(raw["bands"], [*path, "bands"], method, low, high)
        cutoff = None
        if raw["cutoff"] is not None:
            c = raw["cutoff"]
            if not low <= c["value"] <= high:
                raise self.fail([*path, "cutoff", "value"], f"cut-off outside {low}-{high}")
            cutoff = Cutoff(
                c["value"], c["comparison"], c["label"], c["source"], c["verified"], c.get("note")
            )
        return Scale(
            id=raw["id"],
            name=raw["name"],
            items=tuple(raw["items"]),
            method=method,
            direction=raw.get("direction", default_direction),
            range_min=low,
            range_max=high,
            missing=missing,
            bands=bands,
            cutoff=cutoff,
            reliability=self._reliability(raw["reliability"], [*path, "reliability"]),
            norms=self._norms(raw["norms"], [*path, "norms"], low, high),
            loinc=raw.get("loinc"),
        )

    def _missing(self, raw: dict[str, Any], path: list[str | int], n: int) -> MissingRule:
        if raw["rule"] == "median_replacement":
            if raw["min_items"] > n:
                raise self.fail([*path, "min_items"], f"more than the scale's {n} items")
            return MissingRule(
                "median_replacement",
                min_items=raw["min_items"],
                percent=raw.get("percent"),
                source=raw["source"],
                note=raw.get("note"),
            )
        if raw["rule"] == "max_missing":
            if raw["max_missing"] >= n:
                raise self.fail([*path, "max_missing"], f"must leave at least one of {n} items")
            return MissingRule(
                "max_missing",
                max_missing=raw["max_missing"],
                source=raw["source"],
                note=raw.get("note"),
            )
        return MissingRule("proportion", percent=raw["percent"], note=raw.get("note"))

    def _bands(
        self,
        raw: dict[str, Any] | None,
        path: list[str | int],
        method: str,
        low: float,
        high: float,
    ) -> Bands | None:
        if raw is None:
            return None
        if method != "sum":
            # Mean scores are continuous; published bands on them would need a different tiling
            # rule, and no shipped instrument has one.
            raise self.fail(path, "bands are supported on sum scales only")
        ranges = raw["ranges"]
        for index, band in enumerate(ranges):
            where = [*path, "ranges", index]
            for key in ("min", "max"):
                if band[key] != int(band[key]):
                    raise self.fail([*where, key], "band bounds on a sum must be whole numbers")
            if band["min"] > band["max"]:
                raise self.fail([*where, "max"], "band ends before it starts")
            if index == 0 and band["min"] != low:
                raise self.fail([*where, "min"], f"first band must start at the minimum {low}")
            if index > 0:
                previous = ranges[index - 1]["max"]
                if band["min"] <= previous:
                    raise self.fail(
                        [*where, "min"],
                        f"band overlaps the previous one (which ends at {previous})",
                    )
                if band["min"] != previous + 1:
                    raise self.fail(
                        [*where, "min"],
                        f"gap between {previous} and {band['min']}: bands must cover the range",
                    )
        if ranges[-1]["max"] != high:
            raise self.fail(
                [*path, "ranges", len(ranges) - 1, "max"],
                f"last band must end at the maximum {high}",
            )
        return Bands(
            ranges=tuple(Band(b["min"], b["max"], b["label"]) for b in ranges),
            source=raw["source"],
            verified=raw["verified"],
            note=raw.get("note"),
        )

    def _reliability(self, raw: dict[str, Any], path: list[str | int]) -> ReliabilityParams:
        def figure(key: str) -> Figure | None:
            f = raw[key]
            if f is None:
                return None
            return Figure(f["value"], f["source"], f["verified"], f.get("kind"), f.get("note"))

        method: ReliabilityMethod = raw["method"]
        if method == "jacobson_truax" and (raw["sd"] is None or raw["r"] is None):
            raise self.fail([*path, "method"], "jacobson_truax needs both sd and r")
        if method == "fixed_threshold" and raw["fixed_threshold"] is None:
            raise self.fail([*path, "method"], "fixed_threshold needs a fixed_threshold figure")
        return ReliabilityParams(
            method=method,
            sd=figure("sd"),
            r=figure("r"),
            fixed_threshold=figure("fixed_threshold"),
            note=raw.get("note"),
            response_threshold=figure("response_threshold")
            if "response_threshold" in raw
            else None,
        )

    def _norms(
        self, raw: list[dict[str, Any]], path: list[str | int], low: float, high: float
    ) -> tuple[NormTable, ...]:
        tables = []
        for index, norm in enumerate(raw):
            rows = norm["table"]
            for r_index, row in enumerate(rows):
                where = [*path, index, "table", r_index]
                if not low <= row["score"] <= high:
                    raise self.fail([*where, "score"], f"score outside {low}-{high}")
                if r_index and row["score"] <= rows[r_index - 1]["score"]:
                    raise self.fail([*where, "score"], "scores must ascend")
                if r_index and row["percentile"] < rows[r_index - 1]["percentile"]:
                    raise self.fail([*where, "percentile"], "percentiles must not fall")
            tables.append(
                NormTable(
                    norm["id"],
                    norm["population"],
                    norm["source"],
                    norm["verified"],
                    tuple((row["score"], row["percentile"]) for row in rows),
                )
            )
        return tuple(tables)

    def _risk_items(self, by_number: Mapping[int, Item]) -> tuple[RiskItem, ...]:
        out = []
        for index, raw in enumerate(self.data["risk_items"]):
            path: list[str | int] = ["risk_items", index]
            item = by_number.get(raw["item"])
            if item is None:
                raise self.fail([*path, "item"], f"item {raw['item']} does not exist")
            if not item.scale.min_value < raw["min_value"] <= item.scale.max_value:
                raise self.fail(
                    [*path, "min_value"],
                    f"must lie above the item's lowest value {item.scale.min_value} and at most "
                    f"its highest {item.scale.max_value}",
                )
            out.append(
                RiskItem(
                    raw["item"],
                    raw["min_value"],
                    raw["severity"],
                    raw["label"],
                    raw["message"],
                    raw["source"],
                )
            )
        return tuple(out)

    def _cluster_rule(self, by_number: Mapping[int, Item]) -> ClusterRule | None:
        raw = self.data["cluster_rule"]
        if raw is None:
            return None
        clusters = []
        for index, cluster in enumerate(raw["clusters"]):
            path: list[str | int] = ["cluster_rule", "clusters", index]
            self._check_items([*path, "items"], cluster["items"], by_number)
            if cluster["required"] > len(cluster["items"]):
                raise self.fail([*path, "required"], "requires more items than the cluster has")
            for number in cluster["items"]:
                scale = by_number[number].scale
                if not scale.min_value < raw["endorsed_at"] <= scale.max_value:
                    raise self.fail(
                        ["cluster_rule", "endorsed_at"], f"outside item {number}'s scale"
                    )
            clusters.append(
                Cluster(
                    cluster["id"], cluster["name"], tuple(cluster["items"]), cluster["required"]
                )
            )
        return ClusterRule(
            raw["id"], raw["label"], raw["endorsed_at"], tuple(clusters), raw["source"]
        )
