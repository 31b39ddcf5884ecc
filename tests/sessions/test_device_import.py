from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sessions.measurements.device_import import (
    detect_format,
    parse_apple_health,
    parse_fitbit_hrv,
    parse_generic_csv,
    parse_hrv4training,
    parse_import,
    parse_polar,
)
from sessions.measurements.physiology import RANGE_DASH

SAMPLES = Path(__file__).parent / "samples"
BERLIN = ZoneInfo("Europe/Berlin")
FITBIT_FILE = "Daily Heart Rate Variability Summary - 2025-12-08.csv"
POLAR_HR_FILE = "Polar_H10_A1B2C3D4_20251208_201503_HR.txt"
POLAR_RR_FILE = "Polar_H10_A1B2C3D4_20251208_201503_RR.txt"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def errors_by_row(preview) -> dict[int, str]:
    return {e.row_number: e.field for e in preview.errors}


# --- generic CSV ---------------------------------------------------------------------------


def test_generic_sample_imports_good_rows_in_stored_units():
    preview = parse_generic_csv(sample("generic.csv"))
    assert [(r.row_number, r.kind) for r in preview.rows] == [
        (2, "hrv_rmssd"),
        (3, "heart_rate"),
        (4, "cortisol"),
        (6, "skin_conductance"),
        (7, "blood_pressure"),
        (10, "rsa"),
    ]
    cortisol = preview.rows[2]
    assert cortisol.value == pytest.approx(0.45 * 27.59)
    assert cortisol.unit == "nmol/L"
    assert cortisol.context == {"sample_type": "saliva", "minutes_after_waking": 30}
    assert cortisol.measured_at == datetime(2025, 12, 8, 6, 30, tzinfo=UTC)
    assert all(r.client_ref == "C-1042" for r in preview.rows)


def test_generic_sample_reports_each_bad_row_with_its_field():
    preview = parse_generic_csv(sample("generic.csv"))
    assert errors_by_row(preview) == {
        5: "value",
        8: "measured_at",
        9: "client",
        11: "context.site",
    }
    messages = preview.error_messages()
    assert messages[0].startswith("Row 5: Cortisol 250 nmol/L is outside")
    assert "no UTC offset" in messages[1]
    assert not preview.ok


def test_generic_blood_pressure_pair_is_split():
    bp = next(
        r for r in parse_generic_csv(sample("generic.csv")).rows if r.kind == "blood_pressure"
    )
    assert (bp.value, bp.secondary_value, bp.unit) == (124, 82, "mmHg")


def test_generic_secondary_value_column_carries_diastolic():
    text = "kind,value,secondary_value,unit,measured_at\nblood_pressure,118,77,mmHg,2025-12-08T08:00:00Z\n"
    (row,) = parse_generic_csv(text).rows
    assert (row.value, row.secondary_value) == (118, 77)


def test_generic_client_column_is_optional():
    text = "kind,value,unit,measured_at\nheart_rate,66,bpm,2025-12-08T08:00:00+00:00\n"
    preview = parse_generic_csv(text)
    assert preview.ok
    assert preview.rows[0].client_ref is None


def test_generic_headers_match_case_insensitively_and_ignore_bom():
    text = "\ufeffKind,Value,Unit,Measured_At,Site\nskin_conductance,4.2,uS,2025-12-08T08:00:00+00:00,Wrist\n"
    (row,) = parse_generic_csv(text).rows
    assert row.context == {"site": "wrist"}
    assert row.unit == "µS"


def test_generic_empty_file_is_one_clear_error():
    preview = parse_generic_csv("  \n\n")
    assert preview.rows == []
    assert [str(e) for e in preview.errors] == ["File: The file is empty."]


def test_generic_wrong_header_names_missing_columns():
    preview = parse_generic_csv("when,what\n2025-12-08,calm\n")
    (error,) = preview.errors
    assert error.row_number == 0
    assert "kind, value, unit, measured_at" in error.message


def test_generic_header_without_rows_says_so():
    (error,) = parse_generic_csv("kind,value,unit,measured_at\n").errors
    assert "no readings" in error.message


def test_generic_repeated_reading_is_flagged_not_imported_twice():
    text = (
        "kind,value,unit,measured_at\n"
        "heart_rate,66,bpm,2025-12-08T08:00:00+01:00\n"
        "heart_rate,67,bpm,2025-12-08T07:00:00+00:00\n"
    )
    preview = parse_generic_csv(text)
    assert len(preview.rows) == 1
    assert preview.errors[0].row_number == 3
    assert "row 2" in preview.errors[0].message


def test_generic_unknown_kind_is_a_row_error():
    text = "kind,value,unit,measured_at\nmood,5,points,2025-12-08T08:00:00+00:00\n"
    (error,) = parse_generic_csv(text).errors
    assert (error.row_number, error.field) == (2, "kind")


def test_generic_context_column_not_taken_by_a_kind_is_a_row_error():
    text = (
        "kind,value,unit,measured_at,sample_type\n"
        "heart_rate,66,bpm,2025-12-08T08:00:00+00:00,saliva\n"
    )
    (error,) = parse_generic_csv(text).errors
    assert error.field == "context.sample_type"


def test_generic_paced_breathing_condition_silences_slow_respiration():
    text = (
        "kind,value,unit,measured_at,condition\n"
        "respiration_rate,6,breaths/min,2025-12-08T08:00:00+00:00,paced_breathing\n"
        "respiration_rate,6,breaths/min,2025-12-08T09:00:00+00:00,rest\n"
    )
    paced, rest = parse_generic_csv(text).rows
    assert paced.warnings == ()
    assert len(rest.warnings) == 1


# --- HRV4Training --------------------------------------------------------------------------


def test_hrv4training_maps_rmssd_hr_and_sdnn():
    preview = parse_hrv4training(sample("hrv4training.csv"))
    first = {r.kind: r for r in preview.rows if r.row_number == 2}
    assert first["hrv_rmssd"].value == 48.3
    assert first["heart_rate"].value == 58
    assert first["hrv_sdnn"].value == 61.2
    assert first["hrv_rmssd"].context == {"device": "HRV4Training"}
    assert first["hrv_rmssd"].measured_at == datetime(2025, 12, 8, 5, 52, 10, tzinfo=UTC)


def test_hrv4training_dash_cells_are_skipped_not_errors():
    preview = parse_hrv4training(sample("hrv4training.csv"))
    assert sorted(r.kind for r in preview.rows if r.row_number == 4) == ["heart_rate", "hrv_rmssd"]
    assert 4 not in errors_by_row(preview)


def test_hrv4training_out_of_range_value_keeps_the_rest_of_the_row():
    preview = parse_hrv4training(sample("hrv4training.csv"))
    assert sorted(r.kind for r in preview.rows if r.row_number == 5) == ["heart_rate", "hrv_sdnn"]
    error = next(e for e in preview.errors if e.row_number == 5)
    assert error.message.startswith("rMSSD: HRV (RMSSD) 400 ms is outside")


def test_hrv4training_reads_utc_offset_timestamps():
    preview = parse_hrv4training(sample("hrv4training.csv"))
    row = next(r for r in preview.rows if r.row_number == 5)
    assert row.measured_at == datetime(2025, 12, 11, 0, 1, tzinfo=UTC)


def test_hrv4training_missing_time_and_empty_rows_are_errors():
    preview = parse_hrv4training(sample("hrv4training.csv"))
    assert errors_by_row(preview) == {5: "value", 6: "measured_at", 7: "value"}
    assert len(preview.rows) == 10


def test_hrv4training_accepts_windows_line_endings():
    text = sample("hrv4training.csv").replace("\n", "\r\n")
    assert len(parse_hrv4training(text).rows) == 10


def test_hrv4training_refuses_another_format():
    (error,) = parse_hrv4training(sample(FITBIT_FILE)).errors
    assert "not an HRV4Training export" in error.message


# --- Fitbit --------------------------------------------------------------------------------


def test_fitbit_refuses_without_time_zone():
    preview = parse_fitbit_hrv(sample(FITBIT_FILE))
    assert preview.rows == []
    assert [(e.row_number, e.field) for e in preview.errors] == [(0, "tz")]


def test_fitbit_night_dates_are_local_midnight_in_the_given_zone():
    preview = parse_fitbit_hrv(sample(FITBIT_FILE), tz="Europe/Berlin")
    first = preview.rows[0]
    assert first.measured_at == datetime(2025, 12, 8, tzinfo=BERLIN)
    assert first.measured_at.utcoffset() == timedelta(hours=1)


def test_fitbit_rmssd_and_nrem_heart_rate_are_sleep_readings():
    preview = parse_fitbit_hrv(sample(FITBIT_FILE), tz=BERLIN)
    row2 = {r.kind: r for r in preview.rows if r.row_number == 2}
    assert row2["hrv_rmssd"].value == 34.512
    assert row2["heart_rate"].value == 55.331
    assert row2["hrv_rmssd"].context == {"device": "Fitbit", "condition": "sleep"}


def test_fitbit_bad_rows_become_errors():
    preview = parse_fitbit_hrv(sample(FITBIT_FILE), tz=BERLIN)
    assert errors_by_row(preview) == {4: "value", 6: "measured_at"}
    assert [r.kind for r in preview.rows if r.row_number == 4] == ["heart_rate"]
    assert [r.kind for r in preview.rows if r.row_number == 5] == ["hrv_rmssd"]


def test_fitbit_offsets_in_file_need_no_zone():
    text = "timestamp,rmssd,nremhr,entropy\n2025-12-08T00:00:00-05:00,30.2,58.1,2.9\n"
    preview = parse_fitbit_hrv(text)
    assert preview.ok
    assert preview.rows[0].measured_at.utcoffset() == timedelta(hours=-5)


def test_fitbit_unknown_zone_name_is_a_tz_error():
    (error,) = parse_fitbit_hrv(sample(FITBIT_FILE), tz="Mars/Olympus").errors
    assert error.field == "tz"


# --- Polar ---------------------------------------------------------------------------------


def polar_rr(intervals: list[int], start: datetime = datetime(2025, 12, 8, 20, 0)) -> str:
    lines = ["Phone timestamp;RR-interval [ms]"]
    at = start
    for rr in intervals:
        at += timedelta(milliseconds=rr)
        lines.append(f"{at.isoformat(timespec='milliseconds')};{rr}")
    return "\n".join(lines) + "\n"


def polar_hr(rates: list[int], start: datetime = datetime(2025, 12, 8, 20, 0)) -> str:
    lines = ["Phone timestamp;HR [bpm];HRV [ms];Breathing interval [rpm];"]
    for second, rate in enumerate(rates):
        at = start + timedelta(seconds=second)
        lines.append(f"{at.isoformat(timespec='milliseconds')};{rate};;;")
    return "\n".join(lines) + "\n"


def test_polar_refuses_without_time_zone():
    preview = parse_polar(sample(POLAR_HR_FILE), None)
    assert preview.rows == []
    assert [(e.row_number, e.field) for e in preview.errors] == [(0, "tz")]


def test_polar_rr_gives_rmssd_and_heart_rate_per_window():
    # 80 beats alternating 800/1000 ms: every successive difference is 200 ms, so RMSSD = 200;
    # mean RR 900 ms gives 60000 / 900 = 66.7 bpm.
    preview = parse_polar(polar_rr([800, 1000] * 40), "Europe/Berlin")
    readings = {r.kind: r for r in preview.rows}
    assert readings["hrv_rmssd"].value == 200.0
    assert readings["heart_rate"].value == 66.7
    assert preview.errors == []


def test_polar_times_are_read_as_local_in_the_given_zone():
    preview = parse_polar(polar_rr([800, 1000] * 40), BERLIN)
    assert preview.rows[0].measured_at == datetime(2025, 12, 8, 20, 0, 0, 800_000, tzinfo=BERLIN)
    assert preview.rows[0].measured_at.astimezone(UTC).hour == 19


def test_polar_recording_length_is_the_window_span():
    # 80 beats of 900 ms on average: 72 s of beats, the first ending 0.8 s in.
    preview = parse_polar(polar_rr([800, 1000] * 40), BERLIN)
    assert preview.rows[0].context == {"recording_length_s": 72, "device": "Polar Sensor Logger"}


def test_polar_rr_artefact_is_left_out_and_breaks_no_difference():
    intervals = [800, 1000] * 20 + [2500] + [800, 1000] * 20
    preview = parse_polar(polar_rr(intervals), BERLIN)
    readings = {r.kind: r for r in preview.rows}
    assert readings["hrv_rmssd"].value == 200.0
    assert readings["heart_rate"].value == 66.7
    (error,) = preview.errors
    assert error.row_number == 42
    assert f"1 RR interval outside 300{RANGE_DASH}2000 ms" in error.message


def test_polar_rr_needs_enough_clean_differences_for_rmssd():
    # Every other beat is an artefact, so no two clean beats are neighbours.
    preview = parse_polar(polar_rr([1500, 2600] * 20), BERLIN)
    assert [r.kind for r in preview.rows] == ["heart_rate"]
    assert any("RMSSD needs at least 20" in e.message for e in preview.errors)


def test_polar_hr_mean_per_window():
    # 35 s at 60 bpm then 35 s at 80 bpm in one 5-minute window: mean 70 over 70 s.
    preview = parse_polar(polar_hr([60] * 35 + [80] * 35), BERLIN)
    (reading,) = preview.rows
    assert (reading.kind, reading.value) == ("heart_rate", 70.0)
    assert reading.context["recording_length_s"] == 70


def test_polar_hr_splits_into_windows_and_reports_a_short_tail():
    preview = parse_polar(polar_hr([60] * 60 + [90] * 60 + [70] * 30), BERLIN, window_s=60)
    assert [(r.row_number, r.value) for r in preview.rows] == [(2, 60.0), (62, 90.0)]
    (error,) = preview.errors
    assert error.row_number == 122
    assert "only 30 s" in error.message


def test_polar_recording_under_a_minute_imports_nothing():
    preview = parse_polar(polar_hr([70] * 30), BERLIN)
    assert preview.rows == []
    assert "at least 60 s" in preview.errors[0].message


def test_polar_no_contact_zeros_are_grouped_into_one_error():
    preview = parse_polar(sample(POLAR_HR_FILE), BERLIN)
    zero_error = next(e for e in preview.errors if e.row_number == 2)
    assert zero_error.message.startswith(f"4 heart-rate samples outside 25{RANGE_DASH}220 bpm")
    assert f"rows 2{RANGE_DASH}5" in zero_error.message


def test_polar_sample_files_parse_with_row_errors_for_bad_lines():
    hr = parse_polar(sample(POLAR_HR_FILE), BERLIN)
    assert errors_by_row(hr) == {2: "value", 42: "measured_at"}
    assert [r.kind for r in hr.rows] == ["heart_rate"]
    rr = parse_polar(sample(POLAR_RR_FILE), BERLIN)
    assert sorted(r.kind for r in rr.rows) == ["heart_rate", "hrv_rmssd"]
    assert errors_by_row(rr) == {52: "value"}


def test_polar_window_outside_limits_is_refused():
    (error,) = parse_polar(polar_hr([70] * 90), BERLIN, window_s=30).errors
    assert error.field == "window_s"


def test_polar_refuses_unsupported_polar_file():
    text = "Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]\n2025-12-08T20:00:00.000;1;2;3;4\n"
    (error,) = parse_polar(text, BERLIN).errors
    assert "not a Polar Sensor Logger HR or RR file" in error.message


# --- Apple Health --------------------------------------------------------------------------


def test_apple_health_maps_the_three_record_types():
    preview = parse_apple_health(sample("apple_health_export.xml"))
    assert [(r.row_number, r.kind, r.value, r.unit) for r in preview.rows] == [
        (29, "hrv_sdnn", 47.3282, "ms"),
        (35, "heart_rate", 57.0, "bpm"),
        (36, "respiration_rate", 14.5, "breaths/min"),
    ]


def test_apple_health_sdnn_keeps_recording_length_and_device_name():
    sdnn = parse_apple_health(sample("apple_health_export.xml")).rows[0]
    assert sdnn.context == {"device": "Apple Watch", "recording_length_s": 60}
    assert sdnn.measured_at == datetime(2025, 12, 8, 5, 40, 58, tzinfo=UTC)


def test_apple_health_never_stores_the_owner_named_source():
    preview = parse_apple_health(sample("apple_health_export.xml"))
    assert not any("Sam" in str(r.context) for r in preview.rows)


def test_apple_health_resting_heart_rate_is_marked_at_rest():
    resting = parse_apple_health(sample("apple_health_export.xml")).rows[1]
    assert resting.context == {"device": "Apple Health", "condition": "rest"}


def test_apple_health_bad_records_are_row_errors():
    preview = parse_apple_health(sample("apple_health_export.xml"))
    assert errors_by_row(preview) == {37: "value", 38: "measured_at"}


def test_apple_health_refuses_entity_declarations():
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE HealthData [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<HealthData>&b;</HealthData>\n'
    )
    (error,) = parse_apple_health(bomb).errors
    assert "declares XML entities" in error.message


def test_apple_health_malformed_xml_names_the_line():
    (error,) = parse_apple_health("<HealthData>\n<Record type='x'>\n").errors
    assert "line 3" in error.message


def test_apple_health_without_relevant_records_says_so():
    (error,) = parse_apple_health("<HealthData><ExportDate value='x'/></HealthData>").errors
    assert "no heart rate variability" in error.message


def test_apple_health_other_xml_is_refused():
    (error,) = parse_apple_health("<gpx><trk/></gpx>").errors
    assert "not an Apple Health export" in error.message


# --- detection and dispatch ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("generic.csv", "generic_csv"),
        ("hrv4training.csv", "hrv4training"),
        (FITBIT_FILE, "fitbit_hrv"),
        (POLAR_HR_FILE, "polar"),
        (POLAR_RR_FILE, "polar"),
        ("apple_health_export.xml", "apple_health"),
    ],
)
def test_detect_format_recognises_each_sample(filename, expected):
    assert detect_format(filename, sample(filename)) == expected


def test_detect_format_uses_fitbit_filename_even_with_odd_header():
    assert detect_format(f"Takeout/Fitbit/{FITBIT_FILE}", "timestamp,rmssd\n") == "fitbit_hrv"


def test_detect_format_returns_none_for_unknown_files():
    assert detect_format("notes.txt", "dear diary\n") is None
    assert detect_format("route.xml", "<?xml version='1.0'?><gpx/>") is None
    assert detect_format("empty.csv", "") is None


def test_parse_import_dispatches_with_time_zone():
    preview = parse_import("polar", sample(POLAR_RR_FILE), tz="Europe/Berlin")
    assert preview.format == "polar"
    assert len(preview.rows) == 2


def test_parse_import_unknown_format_is_a_format_error():
    (error,) = parse_import("garmin", "x").errors
    assert error.field == "format"
