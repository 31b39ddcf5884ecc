"""Apple Health `export.xml`: HRV (SDNN), resting heart rate and respiratory rate records."""

from __future__ import annotations

import re
from typing import Any
from xml.parsers import expat

from sessions.measurements.device_import.preview import ImportPreview, PreviewCollector
from sessions.measurements.device_import.tabular import parse_spaced_offset

FORMAT = "apple_health"
DEFAULT_DEVICE = "Apple Health"
# Record type -> (kind, condition). Resting heart rate is Apple's daily resting estimate.
RECORD_TYPES = {
    "HKQuantityTypeIdentifierHeartRateVariabilitySDNN": ("hrv_sdnn", None),
    "HKQuantityTypeIdentifierRestingHeartRate": ("heart_rate", "rest"),
    "HKQuantityTypeIdentifierRespiratoryRate": ("respiration_rate", None),
}
# The device attribute reads like "<<HKDevice: 0x..>, name:Apple Watch, manufacturer:...>".
_DEVICE_NAME = re.compile(r"\bname:([^,>]+)")
_MIN_RECORDING_S, _MAX_RECORDING_S = 10, 86_400


class _EntityDeclared(Exception):
    """Raised from the parser when the file declares entities (an XML bomb's tool)."""


def parse_apple_health(text: str, *, max_readings: int | None = None) -> ImportPreview:
    """Parse an Apple Health export.xml into hrv_sdnn, heart_rate and respiration_rate readings.

    Times are the records' zone-qualified startDate; an SDNN record's start-to-end span is its
    recording length. The device is taken from the record's device name, never its sourceName,
    which usually carries the owner's first name. Entity declarations are refused.
    """
    collector = PreviewCollector(FORMAT, max_readings=max_readings)
    if not isinstance(text, str) or not text.strip():
        return collector.refuse("The file is empty.")
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    seen = {"root": False, "records": 0}

    def refuse_entity(*_: Any) -> None:
        raise _EntityDeclared

    def start_element(name: str, attrs: dict[str, str]) -> None:
        if name == "HealthData":
            seen["root"] = True
        elif name == "Record" and attrs.get("type") in RECORD_TYPES:
            seen["records"] += 1
            _add_record(collector, parser.CurrentLineNumber, attrs)

    parser.EntityDeclHandler = refuse_entity
    parser.StartElementHandler = start_element
    try:
        parser.Parse(text.lstrip("\ufeff"), True)
    except _EntityDeclared:
        return collector.refuse(
            "The file declares XML entities, which Apple Health exports never do; not read."
        )
    except expat.ExpatError as exc:
        return collector.refuse(
            f"The file is not well-formed XML (line {exc.lineno}): {expat.ErrorString(exc.code)}."
        )
    if not seen["root"]:
        return collector.refuse("This is not an Apple Health export (no <HealthData> element).")
    if not seen["records"]:
        return collector.refuse(
            "The export holds no heart rate variability, resting heart rate or respiratory "
            "rate records."
        )
    return collector.preview()


def _add_record(collector: PreviewCollector, line: int, attrs: dict[str, str]) -> None:
    kind, condition = RECORD_TYPES[attrs["type"]]
    start = parse_spaced_offset(attrs.get("startDate", ""))
    if start is None:
        collector.error(
            line, f"startDate {attrs.get('startDate', '')!r} is not a time.", "measured_at"
        )
        return
    match = _DEVICE_NAME.search(attrs.get("device", ""))
    context: dict[str, Any] = {"device": match.group(1).strip() if match else DEFAULT_DEVICE}
    if condition:
        context["condition"] = condition
    end = parse_spaced_offset(attrs.get("endDate", ""))
    if kind == "hrv_sdnn" and end is not None:
        length = round((end - start).total_seconds())
        if _MIN_RECORDING_S <= length <= _MAX_RECORDING_S:
            context["recording_length_s"] = length
    collector.add(
        line,
        kind=kind,
        value=attrs.get("value", ""),
        unit=attrs.get("unit"),
        measured_at=start,
        context=context,
    )
