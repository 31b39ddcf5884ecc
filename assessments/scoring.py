"""The scoring engine: the instrument library and ``score(instrument, answers)``.

Pure Python over the frozen definitions in ``assessments.definitions``; no ORM. Per-instrument
lookups (allowed values, reverse keys, band tables) are compiled once, when the library loads,
so scoring a response is a few dictionary look-ups per item.
"""

from __future__ import annotations

import bisect
import math
import statistics
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from assessments.definitions import (
    DefinitionError,
    Instrument,
    Scale,
    load_directory,
)

__all__ = [
    "INSTRUMENTS_DIR",
    "ClusterCount",
    "ClusterRuleResult",
    "DefinitionError",
    "InvalidAnswer",
    "Library",
    "RiskFlag",
    "ScaleScore",
    "ScoreResult",
    "UnknownInstrument",
    "get_instrument",
    "list_instruments",
    "load_library",
    "parse_answers",
    "score",
]

INSTRUMENTS_DIR = Path(__file__).with_name("instruments")
SNAPSHOT_FORMAT = 1


class UnknownInstrument(KeyError):
    """No instrument (or no such version of it) in the library."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else "unknown instrument"


class InvalidAnswer(ValueError):
    """An answer names an item the instrument lacks, or a value off that item's scale."""

    def __init__(self, message: str, *, item: object = None, value: object = None) -> None:
        super().__init__(message)
        self.item = item
        self.value = value


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScaleScore:
    """One scale's score. ``value`` is None when withheld (``withheld_reason`` says why)."""

    id: str
    name: str
    value: int | float | None
    prorated: bool
    answered: int
    item_count: int
    withheld_reason: str | None = None
    band: str | None = None
    cutoff_met: bool | None = None
    imputation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as stored in a response's score snapshot."""
        return {
            "id": self.id,
            "name": self.name,
            "value": self.value,
            "prorated": self.prorated,
            "answered": self.answered,
            "item_count": self.item_count,
            "withheld_reason": self.withheld_reason,
            "band": self.band,
            "cutoff_met": self.cutoff_met,
            "imputation": self.imputation,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScaleScore:
        """Inverse of ``to_dict``."""
        return cls(
            id=data["id"],
            name=data["name"],
            value=data["value"],
            prorated=data["prorated"],
            answered=data["answered"],
            item_count=data["item_count"],
            withheld_reason=data.get("withheld_reason"),
            band=data.get("band"),
            cutoff_met=data.get("cutoff_met"),
            imputation=data.get("imputation"),
        )


@dataclass(frozen=True, slots=True)
class RiskFlag:
    """Something the therapist must see: a risk item endorsed, or a risk item left blank."""

    item: int
    value: int | None  # None: the risk item was not answered
    message: str
    severity: str  # "alert" | "soft"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as stored in a response's score snapshot."""
        return {
            "item": self.item,
            "value": self.value,
            "message": self.message,
            "severity": self.severity,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RiskFlag:
        """Inverse of ``to_dict``."""
        return cls(data["item"], data["value"], data["message"], data["severity"])


@dataclass(frozen=True, slots=True)
class ClusterCount:
    id: str
    name: str
    endorsed: int
    required: int
    unanswered: int
    met: bool | None  # None: the unanswered items could still decide it

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as stored in a response's score snapshot."""
        return {
            "id": self.id,
            "name": self.name,
            "endorsed": self.endorsed,
            "required": self.required,
            "unanswered": self.unanswered,
            "met": self.met,
        }


@dataclass(frozen=True, slots=True)
class ClusterRuleResult:
    """A provisional symptom-pattern result (PCL-5's DSM-5 rule). Never a diagnosis."""

    id: str
    label: str
    met: bool | None
    clusters: tuple[ClusterCount, ...]
    provisional: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as stored in a response's score snapshot."""
        return {
            "id": self.id,
            "label": self.label,
            "provisional": self.provisional,
            "met": self.met,
            "clusters": [c.to_dict() for c in self.clusters],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClusterRuleResult:
        """Inverse of ``to_dict``."""
        return cls(
            id=data["id"],
            label=data["label"],
            met=data["met"],
            clusters=tuple(ClusterCount(**c) for c in data["clusters"]),
            provisional=data.get("provisional", True),
        )


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """Scores of one response, snapshotted with the instrument version that produced them."""

    instrument: str
    version: int
    scales: tuple[ScaleScore, ...]  # the total first when the instrument has one
    risk_flags: tuple[RiskFlag, ...] = ()
    cluster_rule: ClusterRuleResult | None = None

    @property
    def total_score(self) -> ScaleScore | None:
        first = self.scales[0] if self.scales else None
        return first if first is not None and first.id == "total" else None

    @property
    def total(self) -> int | float | None:
        """The total, or None when the instrument has none (ECR) or it was withheld."""
        total = self.total_score
        return total.value if total else None

    @property
    def band(self) -> str | None:
        """The published band label of the total, where the instrument publishes bands."""
        total = self.total_score
        return total.band if total else None

    @property
    def above_cutoff(self) -> bool | None:
        """True when the total is on the clinical side of the published cut-off.

        For PHQ-9 that means >= 10; for CSI, where higher is better, it means below 51.5.
        """
        total = self.total_score
        return total.cutoff_met if total else None

    @property
    def subscales(self) -> tuple[ScaleScore, ...]:
        return tuple(s for s in self.scales if s.id != "total")

    def scale(self, scale_id: str) -> ScaleScore:
        """The score of one scale by id; KeyError if this result has none."""
        for s in self.scales:
            if s.id == scale_id:
                return s
        raise KeyError(scale_id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready snapshot (lists, not objects, where order matters: jsonb sorts keys)."""
        return {
            "format": SNAPSHOT_FORMAT,
            "instrument": self.instrument,
            "version": self.version,
            "total": self.total,
            "band": self.band,
            "above_cutoff": self.above_cutoff,
            "scales": [s.to_dict() for s in self.scales],
            "risk_flags": [f.to_dict() for f in self.risk_flags],
            "cluster_rule": self.cluster_rule.to_dict() if self.cluster_rule else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoreResult:
        """Rebuild a result from ``to_dict()`` output; ValueError on an unknown format."""
        if data.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"unknown score snapshot format {data.get('format')!r}")
        rule = data.get("cluster_rule")
        return cls(
            instrument=data["instrument"],
            version=data["version"],
            scales=tuple(ScaleScore.from_dict(s) for s in data["scales"]),
            risk_flags=tuple(RiskFlag.from_dict(f) for f in data["risk_flags"]),
            cluster_rule=ClusterRuleResult.from_dict(rule) if rule else None,
        )


# --- the library ------------------------------------------------------------------------------


class Library:
    """All loaded instrument versions, with the latest version of each code."""

    def __init__(self, instruments: tuple[Instrument, ...]) -> None:
        self.instruments = instruments
        self._by_key: dict[tuple[str, int], Instrument] = {}
        self._latest: dict[str, Instrument] = {}
        for instrument in instruments:
            key = (instrument.code, instrument.version)
            if key in self._by_key:
                raise DefinitionError(
                    instrument.source_file,
                    "$.version",
                    f"{instrument.code} version {instrument.version} is defined twice "
                    f"(also in {self._by_key[key].source_file})",
                )
            self._by_key[key] = instrument
            latest = self._latest.get(instrument.code)
            if latest is None or instrument.version > latest.version:
                self._latest[instrument.code] = instrument
            _plan_for(instrument)  # compile lookups now, not on the first response

    def get(self, code: str, version: int | None = None) -> Instrument:
        """The given version, or the latest when version is None; UnknownInstrument otherwise."""
        if version is None:
            try:
                return self._latest[code]
            except KeyError:
                known = ", ".join(sorted(self._latest))
                raise UnknownInstrument(f"no instrument {code!r} (known: {known})") from None
        try:
            return self._by_key[(code, version)]
        except KeyError:
            if code not in self._latest:
                return self.get(code)  # raises with the list of known codes
            versions = sorted(v for c, v in self._by_key if c == code)
            raise UnknownInstrument(
                f"{code} has no version {version} (versions: {', '.join(map(str, versions))})"
            ) from None

    def latest(self) -> tuple[Instrument, ...]:
        """The latest version of each code, ordered by code."""
        return tuple(self._latest[code] for code in sorted(self._latest))


@cache
def _default_library() -> Library:
    return Library(load_directory(INSTRUMENTS_DIR))


def load_library(directory: Path | None = None) -> Library:
    """Load and validate every definition (cached for the shipped directory).

    Raises DefinitionError naming the file and field of the first malformed definition.
    """
    if directory is None:
        return _default_library()
    return Library(load_directory(directory))


def get_instrument(code: str, version: int | None = None) -> Instrument:
    """A shipped instrument by code; the latest version unless one is given."""
    return _default_library().get(code, version)


def list_instruments() -> tuple[Instrument, ...]:
    """The latest version of every shipped instrument, ordered by code."""
    return _default_library().latest()


# --- compiled lookups -------------------------------------------------------------------------


class _ScalePlan:
    __slots__ = (
        "band_by_int",
        "band_labels",
        "band_mins",
        "cutoff_met",
        "id",
        "is_mean",
        "items",
        "max_missing",
        "median",
        "min_needed",
        "n",
        "name",
        "percent",
    )

    def __init__(self, scale: Scale) -> None:
        self.id = scale.id
        self.name = scale.name
        self.items = scale.items
        self.n = len(scale.items)
        self.is_mean = scale.method == "mean"
        self.median = scale.missing.rule == "median_replacement"
        self.percent = scale.missing.percent
        self.max_missing = scale.missing.max_missing
        self.min_needed = scale.missing.min_needed(self.n)
        self.cutoff_met: Callable[[float], bool] | None = scale.cutoff.met if scale.cutoff else None
        self.band_by_int: dict[int, str] = {}
        self.band_mins: list[float] = []
        self.band_labels: list[str] = []
        if scale.bands:
            for band in scale.bands.ranges:
                self.band_mins.append(band.min)
                self.band_labels.append(band.label)
                for value in range(int(band.min), int(band.max) + 1):
                    self.band_by_int[value] = band.label

    def band(self, value: float) -> str | None:
        if not self.band_labels:
            return None
        label = self.band_by_int.get(value)  # type: ignore[call-overload]
        if label is not None:
            return label
        # A prorated value between published bounds takes the band whose lower bound it reached.
        return self.band_labels[max(0, bisect.bisect_right(self.band_mins, value) - 1)]


class _Plan:
    __slots__ = ("cluster_rule", "code", "label", "risks", "scales", "value_maps", "version")

    def __init__(self, instrument: Instrument) -> None:
        self.code = instrument.code
        self.version = instrument.version
        self.label = instrument.short_name
        reverse = instrument.reverse_keyed
        # item -> {stored value: value as scored}; reverse keys applied here, once.
        self.value_maps: dict[int, dict[int, int]] = {}
        for item in instrument.items:
            flip = reverse is not None and item.number in reverse.items
            self.value_maps[item.number] = {
                v: (reverse.constant - v if flip and reverse else v) for v in item.scale.values
            }
        self.scales = tuple(_ScalePlan(s) for s in instrument.scales)
        self.risks = tuple(
            (r.item, r.min_value, r.severity, r.message, r.label) for r in instrument.risk_items
        )
        self.cluster_rule = instrument.cluster_rule


_plans: weakref.WeakKeyDictionary[Instrument, _Plan] = weakref.WeakKeyDictionary()


def _plan_for(instrument: Instrument) -> _Plan:
    plan = _plans.get(instrument)
    if plan is None:
        plan = _plans[instrument] = _Plan(instrument)
    return plan


# --- scoring ----------------------------------------------------------------------------------


def _round_half_up(value: Fraction, places: int) -> float:
    # Exact arithmetic so 14.625 rounds to 14.7 every time (float round() would give 14.6).
    factor = 10**places
    return math.floor(value * factor + Fraction(1, 2)) / factor


def parse_answers(raw: Mapping[Any, Any]) -> dict[int, int]:
    """Answers as stored in JSON (``{"1": 2}``) to ``{1: 2}``; InvalidAnswer on anything else.

    Blank values (None) are treated as skipped items and dropped.
    """
    out: dict[int, int] = {}
    for key, value in raw.items():
        number = _as_int(key)
        if number is None:
            raise InvalidAnswer(f"item number must be a whole number, got {key!r}", item=key)
        if value is None:
            continue
        parsed = _as_int(value)
        if parsed is None:
            raise InvalidAnswer(
                f"item {number}: answer must be a whole number, got {value!r}", item=number
            )
        out[number] = parsed
    return out


def _as_int(value: Any) -> int | None:
    if type(value) is int:
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _reject(plan: _Plan, item: object, value: object) -> InvalidAnswer:
    if type(item) is not int:
        return InvalidAnswer(
            f"{plan.label}: item numbers must be whole numbers, got {item!r}", item=item
        )
    if item not in plan.value_maps:
        return InvalidAnswer(
            f"{plan.label} has no item {item} (items 1-{len(plan.value_maps)})", item=item
        )
    allowed = ", ".join(str(v) for v in sorted(plan.value_maps[item]))
    if type(value) is not int:
        return InvalidAnswer(
            f"{plan.label} item {item}: answer must be a whole number ({allowed}), got {value!r}",
            item=item,
            value=value,
        )
    return InvalidAnswer(
        f"{plan.label} item {item}: {value} is not an answer on its scale (allowed: {allowed})",
        item=item,
        value=value,
    )


def _withheld_reason(sp: _ScalePlan, answered: int) -> str:
    reason = f"{answered} of {sp.n} items answered; at least {sp.min_needed} needed"
    if sp.max_missing is not None:
        return f"{reason} (at most {sp.max_missing} may be missing)"
    if sp.percent is not None:
        return f"{reason} ({sp.percent}% rule)"
    return reason


def _median_replaced(
    sp: _ScalePlan, keyed: dict[int, int], imputed: dict[int, Fraction]
) -> tuple[Fraction, str]:
    """Sum of a median-replacement scale and how it was filled in, as the BPQ authors' script
    does: an item an earlier scale already imputed (BPQ-SF item 41, supradiaphragmatic first)
    keeps that value and counts towards this scale's median; the rest take the median of the
    scale's answered and already imputed items. New imputations are added to `imputed`."""
    known: dict[int, Fraction] = {i: Fraction(keyed[i]) for i in sp.items if i in keyed}
    reused = [i for i in sp.items if i not in known and i in imputed]
    for item in reused:
        known[item] = imputed[item]
    missing = [i for i in sp.items if i not in known]
    if missing:
        median = Fraction(statistics.median(known.values()))
        for item in missing:
            imputed[item] = known[item] = median
    unanswered = sum(1 for i in sp.items if i not in keyed)
    note = f"median replacement ({unanswered} of {sp.n} items missing"
    if reused:
        shared = ", ".join(map(str, reused))
        note += f"; item {shared} as already imputed for an earlier subscale"
    return sum(known.values(), Fraction(0)), note + ")"


def _score_scale(sp: _ScalePlan, keyed: dict[int, int], imputed: dict[int, Fraction]) -> ScaleScore:
    values = [keyed[i] for i in sp.items if i in keyed]
    answered = len(values)
    n = sp.n
    if answered < sp.min_needed:
        return ScaleScore(sp.id, sp.name, None, False, answered, n, _withheld_reason(sp, answered))
    total = sum(values)
    value: int | float
    imputation = None
    if answered == n:
        value = _round_half_up(Fraction(total, n), 2) if sp.is_mean else total
    elif sp.is_mean:
        value = _round_half_up(Fraction(total, answered), 2)
        imputation = "mean of answered items"
    elif sp.median:
        replaced, imputation = _median_replaced(sp, keyed, imputed)
        value = _round_half_up(replaced, 1)
    elif sp.max_missing is not None:
        value = _round_half_up(Fraction(total * n, answered), 1)
        imputation = "mean substitution: mean of answered items x item count"
    else:
        value = _round_half_up(Fraction(total * n, answered), 1)
        imputation = "prorated: mean of answered items x item count"
    cutoff = sp.cutoff_met(value) if sp.cutoff_met is not None else None
    return ScaleScore(
        sp.id,
        sp.name,
        value,
        answered < n,
        answered,
        n,
        None,
        sp.band(value),
        cutoff,
        imputation,
    )


def _cluster_rule(plan: _Plan, keyed: dict[int, int]) -> ClusterRuleResult | None:
    rule = plan.cluster_rule
    if rule is None:
        return None
    counts = []
    for cluster in rule.clusters:
        endorsed = unanswered = 0
        for number in cluster.items:
            value = keyed.get(number)
            if value is None:
                unanswered += 1
            elif value >= rule.endorsed_at:
                endorsed += 1
        met: bool | None
        if endorsed >= cluster.required:
            met = True
        elif endorsed + unanswered < cluster.required:
            met = False
        else:
            met = None
        counts.append(
            ClusterCount(cluster.id, cluster.name, endorsed, cluster.required, unanswered, met)
        )
    if all(c.met for c in counts):
        overall: bool | None = True
    elif any(c.met is False for c in counts):
        overall = False
    else:
        overall = None
    return ClusterRuleResult(rule.id, rule.label, overall, tuple(counts))


def _score_scales(plan: _Plan, keyed: dict[int, int]) -> tuple[ScaleScore, ...]:
    # Scales are scored in definition order and share one set of imputed values, so an item
    # in two subscales (BPQ-SF item 41) is imputed once, by the first subscale that needs it.
    imputed: dict[int, Fraction] = {}
    return tuple(_score_scale(sp, keyed, imputed) for sp in plan.scales)


def score(instrument: Instrument, answers: Mapping[int, int]) -> ScoreResult:
    """Score one response. ``answers`` maps item number -> stored value; skipped items are absent.

    Raises InvalidAnswer for an unknown item or a value off the item's scale.
    """
    plan = _plan_for(instrument)
    maps = plan.value_maps
    keyed: dict[int, int] = {}
    for item, value in answers.items():
        value_map = maps.get(item) if type(item) is int else None
        scored = value_map.get(value) if value_map is not None and type(value) is int else None
        if scored is None:
            raise _reject(plan, item, value)
        keyed[item] = scored

    flags = []
    for item, min_value, severity, message, label in plan.risks:
        raw = answers.get(item)
        if raw is None:
            flags.append(
                RiskFlag(
                    item,
                    None,
                    f"Risk item not answered: item {item} ({label}). Ask about it directly.",
                    severity,
                )
            )
        elif raw >= min_value:
            flags.append(RiskFlag(item, raw, message, severity))

    return ScoreResult(
        plan.code,
        plan.version,
        _score_scales(plan, keyed),
        tuple(flags),
        _cluster_rule(plan, keyed),
    )
