from decimal import Decimal

import pytest

from sessions.measurements.physiology import (
    KIND_BY_CODE,
    KINDS,
    RANGE_DASH,
    MeasurementError,
    describe_kinds,
    kind_choices,
    normalize_measurement,
)

SALIVA = {"sample_type": "saliva", "minutes_after_waking": 30}


def error_of(*args, **kwargs) -> MeasurementError:
    with pytest.raises(MeasurementError) as caught:
        normalize_measurement(*args, **kwargs)
    return caught.value


def test_registry_holds_the_stable_kind_codes():
    assert [k.code for k in KINDS] == [
        "hrv_rmssd",
        "hrv_ln_rmssd",
        "hrv_sdnn",
        "rsa",
        "heart_rate",
        "respiration_rate",
        "skin_conductance",
        "cortisol",
        "oxytocin",
        "pupil_diameter",
        "blood_pressure",
    ]


def test_kind_choices_pair_codes_with_labels():
    assert ("cortisol", "Cortisol") in kind_choices()
    assert len(kind_choices()) == len(KINDS)


def test_described_kinds_expose_ranges_and_required_context():
    cortisol = next(d for d in describe_kinds() if d["code"] == "cortisol")
    assert cortisol["variants"]["serum"]["plausible"] == {"low": 1, "high": 1000}
    sample_type = next(f for f in cortisol["context_fields"] if f["name"] == "sample_type")
    assert sample_type["required"] is True
    assert sample_type["choices"] == ["saliva", "serum"]
    assert "µg/dL" in cortisol["variants"]["saliva"]["accepted_units"]


def test_rmssd_in_ms_is_kept_as_entered():
    m = normalize_measurement("hrv_rmssd", 42, "ms", {"recording_length_s": 300})
    assert (m.kind, m.value, m.unit) == ("hrv_rmssd", 42.0, "ms")
    assert m.context == {"recording_length_s": 300}
    assert m.warnings == ()


def test_unknown_kind_is_rejected_on_kind_field():
    err = error_of("hrv", 42, "ms", {})
    assert err.field == "kind"
    assert "hrv_rmssd" in err.message


def test_error_renders_as_field_keyed_list():
    err = error_of("heart_rate", 400, "bpm", {})
    assert err.as_dict() == {"value": [err.message]}


def test_cortisol_out_of_saliva_range_names_range_unit_and_sample_type():
    err = error_of("cortisol", 250, "nmol/L", SALIVA)
    assert err.field == "value"
    assert err.message == (
        f"Cortisol 250 nmol/L is outside the plausible range 0.1{RANGE_DASH}100 nmol/L (saliva)."
    )


def test_cortisol_250_nmol_is_plausible_in_serum():
    m = normalize_measurement("cortisol", 250, "nmol/L", {"sample_type": "serum"})
    assert m.value == 250
    assert m.context == {"sample_type": "serum"}


@pytest.mark.parametrize("unit", ["µg/dL", "μg/dL", "ug/dL", "UG/DL"])
def test_cortisol_microgram_spellings_convert_to_nmol(unit):
    m = normalize_measurement("cortisol", 0.5, unit, SALIVA)
    assert m.unit == "nmol/L"
    assert m.value == pytest.approx(13.795)


def test_converted_out_of_range_value_shows_both_units():
    err = error_of("cortisol", 9.1, "ug/dL", SALIVA)
    assert "9.1 ug/dL (251.1 nmol/L)" in err.message


def test_cortisol_requires_sample_type():
    err = error_of("cortisol", 12, "nmol/L", {})
    assert err.field == "context.sample_type"
    assert "saliva or serum" in err.message


def test_saliva_cortisol_without_waking_time_warns():
    m = normalize_measurement("cortisol", 12, "nmol/L", {"sample_type": "saliva"})
    assert any("minutes_after_waking" in w for w in m.warnings)


def test_context_choice_is_matched_loosely_and_stored_as_code():
    m = normalize_measurement("rsa", 6.1, "ln(ms^2)", {"method": "Porges-Bohrer"})
    assert m.context == {"method": "porges_bohrer"}
    assert m.unit == "ln(ms²)"


def test_rsa_unit_must_match_its_method():
    err = error_of("rsa", 80, "ms", {"method": "porges_bohrer"})
    assert err.field == "unit"
    assert "ln(ms²)" in err.message


def test_rsa_peak_to_trough_is_stored_in_ms():
    m = normalize_measurement("rsa", 80, "ms", {"method": "peak_to_trough"})
    assert (m.value, m.unit) == (80, "ms")


def test_rsa_requires_method():
    assert error_of("rsa", 6, "ln(ms²)", {}).field == "context.method"


def test_unknown_context_key_is_rejected_with_its_field():
    err = error_of("heart_rate", 70, "bpm", {"sample_type": "saliva"})
    assert err.field == "context.sample_type"
    assert "device" in err.message


def test_blank_context_values_count_as_absent():
    m = normalize_measurement("heart_rate", 70, "bpm", {"device": "  ", "condition": ""})
    assert m.context == {}


def test_invalid_choice_lists_the_options():
    err = error_of("skin_conductance", 4, "µS", {"site": "ankle"})
    assert err.field == "context.site"
    assert "palm, fingers, wrist, other" in err.message


def test_skin_conductance_requires_site():
    err = error_of("skin_conductance", 4, "uS", {})
    assert err.field == "context.site"


def test_integer_context_must_be_whole_number():
    err = error_of("hrv_rmssd", 40, "ms", {"recording_length_s": "five minutes"})
    assert err.field == "context.recording_length_s"


def test_integer_context_from_text_is_coerced():
    m = normalize_measurement("hrv_rmssd", "40", "ms", {"recording_length_s": "300"})
    assert m.context["recording_length_s"] == 300
    assert m.value == 40.0


def test_integer_context_outside_limits_is_rejected():
    err = error_of("cortisol", 10, "nmol/L", {"sample_type": "saliva", "minutes_after_waking": -5})
    assert err.field == "context.minutes_after_waking"


def test_oxytocin_requires_assay_because_assays_differ_a_hundredfold():
    err = error_of("oxytocin", 30, "pg/mL", {"sample_type": "plasma"})
    assert err.field == "context.assay"


def test_oxytocin_extracted_flag_accepts_yes_no_text():
    m = normalize_measurement(
        "oxytocin", 0.03, "ng/mL", {"sample_type": "plasma", "assay": "EIA", "extracted": "yes"}
    )
    assert m.value == pytest.approx(30)
    assert m.context["extracted"] is True


def test_unit_is_required():
    err = error_of("heart_rate", 70, "", {})
    assert err.field == "unit"
    assert "bpm" in err.message


def test_unaccepted_unit_lists_accepted_spellings():
    err = error_of("pupil_diameter", 4, "cm", {})
    assert err.field == "unit"
    assert "mm" in err.message


@pytest.mark.parametrize("value", ["abc", "", None, True, float("nan"), "inf"])
def test_non_numbers_are_rejected_on_value(value):
    assert error_of("heart_rate", value, "bpm", {}).field == "value"


def test_decimal_values_are_accepted():
    assert normalize_measurement("pupil_diameter", Decimal("4.5"), "mm", {}).value == 4.5


@pytest.mark.parametrize(
    ("kind", "value", "unit", "context"),
    [
        ("hrv_rmssd", 2.9, "ms", {}),
        ("hrv_rmssd", 251, "ms", {}),
        ("hrv_ln_rmssd", 5.6, "ln(ms)", {}),
        ("hrv_sdnn", 301, "ms", {}),
        ("heart_rate", 24, "bpm", {}),
        ("respiration_rate", 61, "breaths/min", {}),
        ("skin_conductance", 0.04, "µS", {"site": "palm"}),
        ("cortisol", 0.09, "nmol/L", {"sample_type": "saliva"}),
        ("cortisol", 1001, "nmol/L", {"sample_type": "serum"}),
        ("oxytocin", 10_001, "pg/mL", {"sample_type": "plasma", "assay": "EIA"}),
        ("pupil_diameter", 11, "mm", {}),
        ("rsa", 10.5, "ln(ms²)", {"method": "porges_bohrer"}),
    ],
)
def test_values_outside_plausible_range_are_rejected(kind, value, unit, context):
    err = error_of(kind, value, unit, context)
    assert err.field == "value"
    assert "plausible range" in err.message


@pytest.mark.parametrize(
    ("kind", "value", "unit", "context"),
    [
        ("hrv_rmssd", 250, "ms", {}),
        ("heart_rate", 25, "bpm", {}),
        ("heart_rate", 220, "bpm", {}),
        ("skin_conductance", 0.05, "µS", {"site": "wrist"}),
        ("cortisol", 0.1, "nmol/L", {"sample_type": "saliva"}),
    ],
)
def test_range_limits_are_inclusive(kind, value, unit, context):
    assert normalize_measurement(kind, value, unit, context).value == value


def test_blood_pressure_stores_systolic_and_diastolic():
    m = normalize_measurement("blood_pressure", 118, "mmHg", {}, secondary_value=76)
    assert (m.value, m.secondary_value, m.unit) == (118, 76, "mmHg")


def test_blood_pressure_accepts_slash_pair():
    m = normalize_measurement("blood_pressure", "132/84", "mmHg", {})
    assert (m.value, m.secondary_value) == (132, 84)


def test_blood_pressure_diastolic_must_be_below_systolic():
    err = error_of("blood_pressure", 90, "mmHg", {}, secondary_value=95)
    assert err.field == "secondary_value"
    assert "lower than systolic 90 mmHg" in err.message


def test_blood_pressure_equal_numbers_are_rejected():
    assert error_of("blood_pressure", "100/100", "mmHg", {}).field == "secondary_value"


def test_blood_pressure_without_diastolic_is_rejected():
    assert error_of("blood_pressure", 120, "mmHg", {}).field == "secondary_value"


def test_blood_pressure_diastolic_range_is_checked():
    err = error_of("blood_pressure", 200, "mmHg", {}, secondary_value=170)
    assert err.field == "secondary_value"
    assert f"30{RANGE_DASH}160 mmHg" in err.message


def test_blood_pressure_systolic_range_names_systolic():
    err = error_of("blood_pressure", "300/90", "mmHg", {})
    assert err.field == "value"
    assert err.message.startswith("Systolic 300 mmHg")


def test_single_value_kinds_refuse_a_second_value():
    err = error_of("heart_rate", 70, "bpm", {}, secondary_value=60)
    assert err.field == "secondary_value"


def test_slow_respiration_at_rest_warns():
    m = normalize_measurement("respiration_rate", 6, "breaths/min", {})
    assert len(m.warnings) == 1
    assert "12" in m.warnings[0]


def test_slow_respiration_during_paced_breathing_does_not_warn():
    m = normalize_measurement("respiration_rate", 6, "rpm", {}, during_paced_breathing=True)
    assert m.warnings == ()


def test_paced_breathing_condition_in_context_also_silences_slow_rate():
    m = normalize_measurement("respiration_rate", 5, "rpm", {"condition": "paced_breathing"})
    assert m.warnings == ()


def test_fast_respiration_during_paced_breathing_still_warns():
    m = normalize_measurement("respiration_rate", 30, "rpm", {}, during_paced_breathing=True)
    assert len(m.warnings) == 1


def test_tiny_rmssd_warns_it_may_be_a_log_value():
    m = normalize_measurement("hrv_rmssd", 3.6, "ms", {})
    assert any("ln" in w for w in m.warnings)


def test_sdnn_without_recording_length_warns():
    m = normalize_measurement("hrv_sdnn", 50, "ms", {})
    assert any("recording_length_s" in w for w in m.warnings)
    with_length = normalize_measurement("hrv_sdnn", 50, "ms", {"recording_length_s": 300})
    assert with_length.warnings == ()


def test_every_kind_has_a_stored_unit_accepted_as_entered():
    for kind in KIND_BY_CODE.values():
        for variant in kind.variants.values():
            assert variant.accepted_units[0] == (variant.unit, 1.0)
