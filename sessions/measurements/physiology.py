"""Physiological measurement kinds: units, conversions, plausible ranges and required context.

Pure Python (no Django). Facts and their tags ([V] agreed, [1] one source, [U] our judgement)
come from docs physiology.md. "Plausible" ranges catch entry and unit errors; they are not
clinical norms, and no value inside them is ever called abnormal here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sessions.field_errors import FieldError

# An en dash reads as a range to people; kept as an escape so the source stays ASCII-clean.
RANGE_DASH = "\u2013"

# Context value types.
TEXT = "text"
CHOICE = "choice"
INTEGER = "int"
BOOLEAN = "bool"

_TEXT_MAX_LENGTH = 100


class MeasurementError(FieldError):
    """A measurement that cannot be stored; `field` names the input at fault for the API."""


@dataclass(frozen=True)
class Range:
    low: float
    high: float

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | float) and self.low <= value <= self.high

    def describe(self, unit: str) -> str:
        """The range as people read it, e.g. "0.1 to 100 nmol/L" with an en dash."""
        return f"{_fmt(self.low)}{RANGE_DASH}{_fmt(self.high)} {unit}"


@dataclass(frozen=True)
class ContextField:
    """One piece of context a reading keeps (sample type, method, device...)."""

    name: str
    label: str
    type: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None


@dataclass(frozen=True)
class Variant:
    """Unit and plausible range; a kind has one, or one per value of its `variant_field`."""

    unit: str
    # (spelling, factor to the stored unit); the first spelling is the stored unit itself.
    accepted_units: tuple[tuple[str, float], ...]
    plausible: Range


@dataclass(frozen=True)
class MeasurementKind:
    code: str
    label: str
    variants: Mapping[str, Variant]
    context_fields: tuple[ContextField, ...]
    # When set, the context field whose value picks the variant (cortisol: sample_type).
    variant_field: str | None = None
    typical: str = ""
    # Blood pressure carries a second number (diastolic) beside the value (systolic).
    value_label: str | None = None
    secondary_label: str | None = None
    secondary_plausible: Range | None = None

    @property
    def units(self) -> tuple[str, ...]:
        """Stored units, one per variant, without repeats."""
        return tuple(dict.fromkeys(v.unit for v in self.variants.values()))

    def context_field(self, name: str) -> ContextField | None:
        """The context field called `name`, or None if this kind does not take it."""
        return next((f for f in self.context_fields if f.name == name), None)


@dataclass(frozen=True)
class NormalizedMeasurement:
    """A reading ready to store: value in the stored unit, context validated and coerced."""

    kind: str
    value: float
    unit: str
    secondary_value: float | None = None
    context: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


# --- the registry -------------------------------------------------------------------------

_MS = (("ms", 1.0),)
_BPM = (("bpm", 1.0), ("beats/min", 1.0), ("/min", 1.0), ("1/min", 1.0), ("count/min", 1.0))

_CONDITION = ContextField(
    "condition",
    "Condition",
    CHOICE,
    choices=("rest", "sleep", "paced_breathing", "discussion", "other"),
)
_DEVICE = ContextField("device", "Device or app")
# 10 s is the shortest recording ultra-short HRV studies use; 24 h is the Holter norm. [U]
_RECORDING_LENGTH = ContextField(
    "recording_length_s", "Recording length (s)", INTEGER, min_value=10, max_value=86_400
)
_HRV_CONTEXT = (_RECORDING_LENGTH, _DEVICE, _CONDITION)


def _single(
    unit: str, accepted: tuple[tuple[str, float], ...], low: float, high: float
) -> dict[str, Variant]:
    return {"": Variant(unit, accepted, Range(low, high))}


KINDS: tuple[MeasurementKind, ...] = (
    MeasurementKind(
        code="hrv_rmssd",
        label="HRV (RMSSD)",
        variants=_single("ms", _MS, 3, 250),
        context_fields=_HRV_CONTEXT,
        typical="about 42 ms in 5-minute recordings",
    ),
    MeasurementKind(
        code="hrv_ln_rmssd",
        label="HRV (ln RMSSD)",
        # App "HRV scores" are rescaled ln(RMSSD); only the natural log itself belongs here.
        variants=_single("ln(ms)", (("ln(ms)", 1.0), ("ln ms", 1.0), ("ln(rmssd)", 1.0)), 1, 5.5),
        context_fields=_HRV_CONTEXT,
        typical="3.0" + RANGE_DASH + "3.8",
    ),
    MeasurementKind(
        code="hrv_sdnn",
        label="HRV (SDNN)",
        variants=_single("ms", _MS, 3, 300),
        context_fields=_HRV_CONTEXT,
        typical="about 50 ms in 5-minute recordings; 24-hour values are far higher",
    ),
    MeasurementKind(
        code="rsa",
        label="RSA (vagal tone)",
        variant_field="method",
        variants={
            # Porges-Bohrer reports ln(ms^2), peak-to-trough reports ms: never compared. [V]
            "porges_bohrer": Variant(
                "ln(ms²)", (("ln(ms²)", 1.0), ("ln(ms^2)", 1.0), ("ln(ms2)", 1.0)), Range(0, 10)
            ),
            # Peak-to-trough amplitudes of a few hundred ms occur in slow breathing. [U]
            "peak_to_trough": Variant("ms", _MS, Range(0, 500)),
        },
        context_fields=(
            ContextField(
                "method",
                "Method",
                CHOICE,
                required=True,
                choices=("porges_bohrer", "peak_to_trough"),
            ),
            _RECORDING_LENGTH,
            _DEVICE,
            _CONDITION,
        ),
    ),
    MeasurementKind(
        code="heart_rate",
        label="Heart rate",
        variants=_single("bpm", _BPM, 25, 220),
        context_fields=(_RECORDING_LENGTH, _DEVICE, _CONDITION),
        typical="60" + RANGE_DASH + "100 bpm at rest; 40s" + RANGE_DASH + "50s in trained athletes",
    ),
    MeasurementKind(
        code="respiration_rate",
        label="Respiration rate",
        variants=_single(
            "breaths/min",
            (
                ("breaths/min", 1.0),
                ("rpm", 1.0),
                ("brpm", 1.0),
                ("/min", 1.0),
                ("count/min", 1.0),
            ),
            2,
            60,
        ),
        context_fields=(_RECORDING_LENGTH, _DEVICE, _CONDITION),
        typical="12" + RANGE_DASH + "20 breaths/min at rest",
    ),
    MeasurementKind(
        code="skin_conductance",
        label="Skin conductance level",
        variants=_single(
            "µS", (("µS", 1.0), ("μS", 1.0), ("uS", 1.0), ("microsiemens", 1.0)), 0.05, 60
        ),
        context_fields=(
            # The wrist reads lower than the palm, so values from different sites are not
            # comparable: the site is required.
            ContextField(
                "site",
                "Site",
                CHOICE,
                required=True,
                choices=("palm", "fingers", "wrist", "other"),
            ),
            _DEVICE,
            _CONDITION,
        ),
        typical="2" + RANGE_DASH + "20 µS at the palm",
    ),
    MeasurementKind(
        code="cortisol",
        label="Cortisol",
        variant_field="sample_type",
        variants={
            "saliva": Variant(
                "nmol/L",
                (
                    ("nmol/L", 1.0),
                    ("µg/dL", 27.59),
                    ("μg/dL", 27.59),
                    ("ug/dL", 27.59),
                    ("mcg/dL", 27.59),
                ),
                Range(0.1, 100),
            ),
            # [U] Serum runs about 10x saliva [V]; the saliva limits scaled by ten.
            "serum": Variant(
                "nmol/L",
                (
                    ("nmol/L", 1.0),
                    ("µg/dL", 27.59),
                    ("μg/dL", 27.59),
                    ("ug/dL", 27.59),
                    ("mcg/dL", 27.59),
                ),
                Range(1, 1000),
            ),
        },
        context_fields=(
            ContextField(
                "sample_type", "Sample type", CHOICE, required=True, choices=("saliva", "serum")
            ),
            # Cortisol rises 50-75% in the 30 minutes after waking [V], so a sample's time
            # since waking decides what it can be compared with.
            ContextField(
                "minutes_after_waking",
                "Minutes after waking",
                INTEGER,
                min_value=0,
                max_value=1440,
            ),
            ContextField("assay", "Assay"),
            _CONDITION,
        ),
        typical="saliva at waking roughly 6" + RANGE_DASH + "33 nmol/L; serum about 10x saliva",
    ),
    MeasurementKind(
        code="oxytocin",
        label="Oxytocin",
        variants=_single("pg/mL", (("pg/mL", 1.0), ("ng/mL", 1000.0)), 0.1, 10_000),
        context_fields=(
            ContextField(
                "sample_type",
                "Sample type",
                CHOICE,
                required=True,
                choices=("saliva", "plasma", "serum", "urine"),
            ),
            # Values differ over 100-fold between assays [V]: without the assay a value
            # cannot be read at all, so it is required.
            ContextField("assay", "Assay", required=True),
            ContextField("extracted", "Extracted", BOOLEAN),
            _CONDITION,
        ),
        typical="varies over 100-fold by assay; no norm applies",
    ),
    MeasurementKind(
        code="pupil_diameter",
        label="Pupil diameter",
        variants=_single("mm", (("mm", 1.0),), 1, 10),
        context_fields=(
            ContextField("lighting", "Lighting", CHOICE, choices=("bright", "dim", "dark")),
            _DEVICE,
            _CONDITION,
        ),
        typical="2" + RANGE_DASH + "4 mm in bright light, 4" + RANGE_DASH + "8 mm in the dark",
    ),
    MeasurementKind(
        code="blood_pressure",
        label="Blood pressure",
        variants=_single("mmHg", (("mmHg", 1.0),), 60, 260),
        context_fields=(_DEVICE, _CONDITION),
        value_label="Systolic",
        secondary_label="Diastolic",
        secondary_plausible=Range(30, 160),
        typical="normal below 120/80 mmHg",
    ),
)

KIND_BY_CODE: dict[str, MeasurementKind] = {k.code: k for k in KINDS}


# What a client can measure at home, named as a client would: heart rate and heart rate
# variability from a wearable or a named app, a breathing rate, a home blood-pressure cuff.
# Laboratory measures (cortisol, oxytocin: sample type, assay), skin conductance, RSA and pupil
# diameter need a clinic's equipment or method and are entered by staff.
HOME_KINDS: dict[str, str] = {
    "heart_rate": "Resting heart rate",
    "hrv_rmssd": "Heart rate variability, RMSSD in ms (e.g. Elite HRV, HRV4Training, Oura)",
    "hrv_sdnn": "Heart rate variability, SDNN in ms (e.g. Apple Watch)",
    "respiration_rate": "Breathing rate",
    "blood_pressure": "Blood pressure (home monitor)",
}
# The context a client is asked for: which app or device, and what they were doing.
HOME_CONTEXT = ("device", "condition")
# HRV differs by app and recording, so a client's HRV reading names the app it came from.
HOME_DEVICE_REQUIRED = frozenset({"hrv_rmssd", "hrv_sdnn"})


def is_home_measurement(kind: str) -> bool:
    """Whether a client may enter this kind of reading themselves (portal page and API)."""
    return kind in HOME_KINDS


def home_kind_choices() -> list[tuple[str, str]]:
    """(code, label) pairs of what a client can measure at home, in a client's words."""
    return list(HOME_KINDS.items())


def home_entry_hints() -> list[tuple[str, str]]:
    """`entry_hints` for the kinds a client can measure at home, labelled as the form is."""
    hints = dict(entry_hints())
    return [(HOME_KINDS[k.code], hints[k.label]) for k in KINDS if k.code in HOME_KINDS]


def kind_choices() -> list[tuple[str, str]]:
    """(code, label) pairs in display order, for a choices field."""
    return [(k.code, k.label) for k in KINDS]


def entry_hints() -> list[tuple[str, str]]:
    """(kind label, which units it is entered in and its plausible range) for each kind, in the
    words a person entering a reading by hand needs."""
    hints = []
    for kind in KINDS:
        parts = []
        for name, variant in kind.variants.items():
            spellings = " or ".join(dict.fromkeys(s for s, _ in variant.accepted_units))
            where = f"{name.replace('_', ' ')}: " if name else ""
            parts.append(f"{where}{spellings}; accepted {variant.plausible.describe(variant.unit)}")
        if kind.secondary_plausible is not None:
            second = (kind.secondary_label or "second value").lower()
            parts.append(f"{second} {kind.secondary_plausible.describe(kind.units[0])}")
        hint = "; ".join(parts)
        if kind.typical:
            hint += f" (typical: {kind.typical})"
        hints.append((kind.label, hint))
    return hints


def describe_kinds() -> list[dict[str, Any]]:
    """JSON-ready description of every kind: units accepted, plausible ranges, context fields."""
    return [_describe(kind) for kind in KINDS]


def _describe(kind: MeasurementKind) -> dict[str, Any]:
    variants = {
        name: {
            "unit": v.unit,
            "accepted_units": [spelling for spelling, _ in v.accepted_units],
            "plausible": {"low": v.plausible.low, "high": v.plausible.high},
        }
        for name, v in kind.variants.items()
    }
    described: dict[str, Any] = {
        "code": kind.code,
        "label": kind.label,
        "units": list(kind.units),
        "typical": kind.typical,
        "variant_field": kind.variant_field,
        "variants": variants,
        "context_fields": [
            {
                "name": f.name,
                "label": f.label,
                "type": f.type,
                "required": f.required,
                "choices": list(f.choices),
                "min_value": f.min_value,
                "max_value": f.max_value,
            }
            for f in kind.context_fields
        ],
    }
    if kind.secondary_plausible is not None:
        described["value_label"] = kind.value_label
        described["secondary_label"] = kind.secondary_label
        described["secondary_plausible"] = {
            "low": kind.secondary_plausible.low,
            "high": kind.secondary_plausible.high,
        }
    return described


# --- normalisation ------------------------------------------------------------------------


def normalize_measurement(
    kind: str,
    value: float | int | Decimal | str,
    unit: str | None,
    context: Mapping[str, Any] | None = None,
    *,
    secondary_value: float | int | Decimal | str | None = None,
    during_paced_breathing: bool = False,
) -> NormalizedMeasurement:
    """Validate one reading and convert it to the stored unit; raise MeasurementError(field, msg).

    Blood pressure takes systolic as `value` and diastolic as `secondary_value`, or both as
    a "120/80" string. Context is checked before the value because the plausible range and
    unit of some kinds depend on it (cortisol sample type, RSA method).
    """
    spec = KIND_BY_CODE.get(kind) if isinstance(kind, str) else None
    if spec is None:
        codes = ", ".join(KIND_BY_CODE)
        raise MeasurementError("kind", f"Unknown measurement kind {kind!r}; use one of: {codes}.")

    clean_context = _validate_context(spec, context or {})
    variant_key = clean_context.get(spec.variant_field, "") if spec.variant_field else ""
    variant = spec.variants[variant_key]
    factor = _unit_factor(spec, variant, unit, variant_key)

    if spec.secondary_plausible is not None and secondary_value is None and isinstance(value, str):
        value, secondary_value = _split_pair(spec, value)
    number = _parse_number(value, "value", spec.value_label or spec.label)
    stored = _convert(number, factor)
    qualifier = _qualifier(spec, variant_key)
    _check_range(spec.value_label or spec.label, "value", number, unit, stored, variant, qualifier)

    stored_secondary = None
    if spec.secondary_plausible is not None:
        stored_secondary = _check_secondary(
            spec, variant.unit, spec.secondary_plausible, secondary_value, unit, factor, stored
        )
    elif secondary_value is not None:
        raise MeasurementError("secondary_value", f"{spec.label} takes a single value.")

    paced = during_paced_breathing or clean_context.get("condition") == "paced_breathing"
    warnings = _warnings(spec, stored, clean_context, paced=paced)
    return NormalizedMeasurement(
        kind=spec.code,
        value=stored,
        unit=variant.unit,
        secondary_value=stored_secondary,
        context=clean_context,
        warnings=warnings,
    )


def _validate_context(spec: MeasurementKind, context: Mapping[str, Any]) -> dict[str, Any]:
    allowed = ", ".join(f.name for f in spec.context_fields)
    for key in context:
        if spec.context_field(str(key)) is None:
            raise MeasurementError(
                f"context.{key}",
                f"{spec.label} does not take {key!r}; it takes: {allowed}.",
            )
    clean: dict[str, Any] = {}
    for ctx_field in spec.context_fields:
        raw = context.get(ctx_field.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if ctx_field.required:
                raise MeasurementError(
                    f"context.{ctx_field.name}", _missing_message(spec, ctx_field)
                )
            continue
        clean[ctx_field.name] = _coerce_context(spec, ctx_field, raw)
    return clean


def _missing_message(spec: MeasurementKind, ctx_field: ContextField) -> str:
    if ctx_field.choices:
        options = ", ".join(ctx_field.choices[:-1]) + " or " + ctx_field.choices[-1]
        return f"{spec.label} needs {ctx_field.name} ({options})."
    return f"{spec.label} needs {ctx_field.name}."


def _coerce_context(spec: MeasurementKind, ctx_field: ContextField, raw: Any) -> Any:
    where = f"context.{ctx_field.name}"
    if ctx_field.type == CHOICE:
        code = str(raw).strip().lower().replace("-", "_").replace(" ", "_")
        if code not in ctx_field.choices:
            options = ", ".join(ctx_field.choices)
            raise MeasurementError(where, f"{ctx_field.label} {raw!r} is not one of: {options}.")
        return code
    if ctx_field.type == INTEGER:
        number = _as_int(raw)
        if number is None:
            raise MeasurementError(where, f"{ctx_field.label} must be a whole number, not {raw!r}.")
        low, high = ctx_field.min_value, ctx_field.max_value
        if (low is not None and number < low) or (high is not None and number > high):
            raise MeasurementError(
                where, f"{ctx_field.label} {number} is outside {low}{RANGE_DASH}{high}."
            )
        return number
    if ctx_field.type == BOOLEAN:
        flag = _as_bool(raw)
        if flag is None:
            raise MeasurementError(where, f"{ctx_field.label} must be yes or no, not {raw!r}.")
        return flag
    text = str(raw).strip()
    if len(text) > _TEXT_MAX_LENGTH:
        raise MeasurementError(
            where, f"{ctx_field.label} is longer than {_TEXT_MAX_LENGTH} characters."
        )
    return text


def _as_int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float | Decimal) and raw == int(raw):
        return int(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None


def _as_bool(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "yes", "y", "1"}:
        return True
    if text in {"false", "no", "n", "0"}:
        return False
    return None


def unit_key(unit: str) -> str:
    """Spelling-insensitive form of a unit: micro signs, case, spaces and ^/² folded."""
    return (
        unit.strip()
        .replace("\u00b5", "u")  # MICRO SIGN
        .replace("\u03bc", "u")  # GREEK SMALL LETTER MU
        .replace("²", "2")
        .replace("^", "")
        .replace(" ", "")
        .lower()
    )


def _unit_factor(spec: MeasurementKind, variant: Variant, unit: str | None, variant_key: str):
    spellings = ", ".join(dict.fromkeys(s for s, _ in variant.accepted_units))
    if unit is None or not str(unit).strip():
        raise MeasurementError("unit", f"{spec.label} needs a unit: {spellings}.")
    wanted = unit_key(str(unit))
    for spelling, factor in variant.accepted_units:
        if unit_key(spelling) == wanted:
            return factor
    where = f" for {spec.variant_field} {variant_key}" if variant_key else ""
    raise MeasurementError(
        "unit", f"{spec.label} cannot be entered in {unit!r}{where}; use one of: {spellings}."
    )


def _parse_number(raw: Any, where: str, label: str) -> float:
    if isinstance(raw, bool) or raw is None:
        raise MeasurementError(where, f"{label} needs a number.")
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            raise MeasurementError(where, f"{label} needs a number.")
        try:
            number = float(text)
        except ValueError:
            raise MeasurementError(where, f"{label} {raw!r} is not a number.") from None
    elif isinstance(raw, int | float | Decimal):
        number = float(raw)
    else:
        raise MeasurementError(where, f"{label} {raw!r} is not a number.")
    if not math.isfinite(number):
        raise MeasurementError(where, f"{label} {raw!r} is not a number.")
    return number


def _split_pair(spec: MeasurementKind, text: str) -> tuple[str, str]:
    parts = text.split("/")
    if len(parts) != 2:
        raise MeasurementError(
            "value", f"{spec.label} {text!r} should read systolic/diastolic, e.g. 120/80."
        )
    return parts[0], parts[1]


def _convert(number: float, factor: float) -> float:
    # Rounding drops float noise from the conversion (e.g. 0.1 * 3 = 0.30000000000000004).
    return round(number * factor, 6) if factor != 1.0 else number


def _qualifier(spec: MeasurementKind, variant_key: str) -> str:
    return f" ({variant_key.replace('_', '-')})" if spec.variant_field and variant_key else ""


def _check_range(
    label: str,
    where: str,
    number: float,
    unit: str | None,
    stored: float,
    variant: Variant,
    qualifier: str,
) -> None:
    if stored in variant.plausible:
        return
    entered = f"{_fmt(number)} {unit}"
    if unit_key(str(unit)) != unit_key(variant.unit):
        entered += f" ({_fmt(stored)} {variant.unit})"
    raise MeasurementError(
        where,
        f"{label} {entered} is outside the plausible range "
        f"{variant.plausible.describe(variant.unit)}{qualifier}.",
    )


def _check_secondary(
    spec: MeasurementKind,
    stored_unit: str,
    plausible: Range,
    raw: Any,
    unit: str | None,
    factor: float,
    primary: float,
) -> float:
    label = spec.secondary_label or "Second value"
    number = _parse_number(raw, "secondary_value", label)
    stored = _convert(number, factor)
    _check_range(
        label, "secondary_value", number, unit, stored, Variant(stored_unit, (), plausible), ""
    )
    if not stored < primary:
        raise MeasurementError(
            "secondary_value",
            f"{label} {_fmt(stored)} {stored_unit} must be lower than "
            f"{(spec.value_label or 'the value').lower()} {_fmt(primary)} {stored_unit}.",
        )
    return stored


# Resting respiration is 12-20 breaths/min [V]; outside that we ask the person to check.
_TYPICAL_RESPIRATION = Range(12, 20)
# Resting ln(RMSSD) is 3.0-3.8 [1]; a "RMSSD" this small is more likely a logged value.
_LN_RMSSD_CEILING = 5.5


def _warnings(
    spec: MeasurementKind, value: float, context: Mapping[str, Any], *, paced: bool
) -> tuple[str, ...]:
    warnings: list[str] = []
    if spec.code == "hrv_rmssd" and value <= _LN_RMSSD_CEILING:
        warnings.append(
            f"RMSSD {_fmt(value)} ms is very low; if this is ln(RMSSD) or an app score, "
            "enter it as HRV (ln RMSSD) instead."
        )
    if spec.code == "hrv_sdnn" and "recording_length_s" not in context:
        warnings.append(
            "SDNN depends strongly on recording length (5-minute and 24-hour values differ); "
            "add recording_length_s so readings can be compared."
        )
    if spec.code == "respiration_rate" and value not in _TYPICAL_RESPIRATION:
        # 4-7 breaths/min is the aim of paced breathing, so slow rates are expected then.
        slow_and_paced = paced and value < _TYPICAL_RESPIRATION.low
        if not slow_and_paced:
            warnings.append(
                f"Respiration rate {_fmt(value)} breaths/min is outside the usual resting range "
                f"{_TYPICAL_RESPIRATION.describe('breaths/min')}."
            )
    if (
        spec.code == "cortisol"
        and context.get("sample_type") == "saliva"
        and "minutes_after_waking" not in context
    ):
        warnings.append(
            "Cortisol rises 50" + RANGE_DASH + "75% in the 30 minutes after waking; record "
            "minutes_after_waking so samples can be compared."
        )
    return tuple(warnings)


def _fmt(number: float) -> str:
    """Short human form with about four significant digits: 250, 0.1, 27.59, 251.1."""
    if number == int(number):
        return str(int(number))
    decimals = max(0, 3 - math.floor(math.log10(abs(number))))
    return f"{number:.{decimals}f}".rstrip("0").rstrip(".")
