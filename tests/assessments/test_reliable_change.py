"""Reliable change, clinically significant change, partner discrepancy, percentiles, series and
dyadic change (pure: no database)."""

import json
from datetime import date

import pytest

from assessments.definitions import ReliabilityParams, parse_definition
from assessments.reliable_change import (
    NO_REFERENCE,
    NO_RELIABLE_CHANGE,
    RELIABLY_DETERIORATED,
    RELIABLY_IMPROVED,
    RELIABLY_INCREASED,
    ScorePoint,
    dyadic_change,
    partner_discrepancy,
    percentile,
    reliable_change,
    series_change,
)
from assessments.scoring import INSTRUMENTS_DIR, get_instrument

# Worked example, by hand (PCL-5 figures from instruments.md: SD 12.40, r .82):
#   SE     = SD x sqrt(1 - r) = 12.40 x sqrt(0.18) = 12.40 x 0.42426 = 5.2609
#   S_diff = sqrt(2) x SE     = 1.41421 x 5.2609                  = 7.4400  (= 12.40 x 0.6)
#   reliable when |x2 - x1| > 1.96 x 7.44 = 14.58 points
#   50 -> 35: RCI = -15 / 7.44 = -2.016  -> reliably improved
#   50 -> 36: RCI = -14 / 7.44 = -1.882  -> no reliable change
PCL5_JT = ReliabilityParams.jacobson_truax(sd=12.40, r=0.82, source="worked example")


def pcl5():
    return get_instrument("pcl5")


# --- Jacobson-Truax -------------------------------------------------------------------------


def test_jacobson_truax_worked_example_fifteen_point_fall_is_reliable():
    change = reliable_change(pcl5(), "total", 50, 35, params=PCL5_JT)
    assert change.rci == pytest.approx(-2.016, abs=0.001)
    assert change.criterion == 14.58
    assert (change.verdict, change.method, change.difference) == (
        RELIABLY_IMPROVED,
        "jacobson-truax",
        -15,
    )


def test_jacobson_truax_worked_example_fourteen_point_fall_is_not_reliable():
    change = reliable_change(pcl5(), "total", 50, 36, params=PCL5_JT)
    assert change.rci == pytest.approx(-1.882, abs=0.001)
    assert change.verdict == NO_RELIABLE_CHANGE


def test_jacobson_truax_rise_on_a_higher_is_worse_scale_is_deterioration():
    assert reliable_change(pcl5(), "total", 35, 50, params=PCL5_JT).verdict == RELIABLY_DETERIORATED


def test_clinic_override_of_sd_keeps_the_definitions_r():
    # ECR-S anxiety ships r .80 (one-month retest) and no SD. With a clinic's SD of 1.0:
    # S_diff = sqrt(2) x 1.0 x sqrt(0.2) = 0.6325; 4.5 -> 3.0 gives RCI -1.5 / 0.6325 = -2.372.
    ecrs = get_instrument("ecrs")
    params = ecrs.scale("anxiety").reliability.overridden(sd=1.0, source="Harbour clinic")
    change = reliable_change(ecrs, "anxiety", 4.5, 3.0, params=params)
    assert change.rci == pytest.approx(-2.372, abs=0.001)
    assert change.verdict == RELIABLY_IMPROVED
    assert "r 0.8: Wei et al. 2007" in change.source


def test_override_refuses_impossible_reliability():
    with pytest.raises(ValueError, match="r must be between 0 and 1"):
        ReliabilityParams.jacobson_truax(sd=10, r=1.0, source="x")


# --- fixed thresholds (instruments.md) ------------------------------------------------------


def test_phq9_fall_of_six_is_reliable_improvement_marked_unverified():
    change = reliable_change(get_instrument("phq9"), "total", 16, 10)
    assert change.verdict == RELIABLY_IMPROVED
    assert change.rci is None
    assert change.method == (
        "fixed threshold (6 points, NHS Talking Therapies reliable improvement criterion)"
    )
    assert change.verified is False  # instruments.md: [U]


def test_phq9_fall_of_five_is_no_reliable_change():
    assert reliable_change(get_instrument("phq9"), "total", 16, 11).verdict == NO_RELIABLE_CHANGE


def test_phq9_rise_of_six_is_reliable_deterioration():
    assert reliable_change(get_instrument("phq9"), "total", 10, 16).verdict == RELIABLY_DETERIORATED


def test_prorated_scores_six_apart_count_as_six():
    # 14.6 - 8.6 is 5.999999999999999 in floating point.
    assert reliable_change(get_instrument("phq9"), "total", 14.6, 8.6).verdict == RELIABLY_IMPROVED


def test_gad7_threshold_is_four_points():
    gad7 = get_instrument("gad7")
    assert reliable_change(gad7, "total", 12, 8).verdict == RELIABLY_IMPROVED
    assert reliable_change(gad7, "total", 12, 9).verdict == NO_RELIABLE_CHANGE
    assert reliable_change(gad7, "total", 12, 8).verified is False  # [U]


def test_pcl5_threshold_is_ten_points_and_verified():
    change = reliable_change(pcl5(), "total", 45, 35)
    assert (change.verdict, change.verified, change.criterion) == (RELIABLY_IMPROVED, True, 10)
    assert reliable_change(pcl5(), "total", 45, 36).verdict == NO_RELIABLE_CHANGE


def test_fixed_threshold_override_replaces_the_definitions():
    params = get_instrument("phq9").total.reliability.overridden(fixed_threshold=5, source="ours")
    change = reliable_change(get_instrument("phq9"), "total", 16, 11, params=params)
    assert (change.verdict, change.method) == (
        RELIABLY_IMPROVED,
        "fixed threshold (5 points, ours)",
    )


# --- no reference ---------------------------------------------------------------------------


def test_without_reference_the_change_is_shown_without_a_verdict():
    change = reliable_change(get_instrument("ders16"), "total", 60, 30)
    assert (change.difference, change.verdict, change.method) == (-30, NO_REFERENCE, NO_REFERENCE)
    assert (change.rci, change.criterion, change.clinically_significant) == (None, None, None)


def test_r_alone_is_not_a_reference():
    # ECR-S ships r but no SD.
    assert reliable_change(get_instrument("ecrs"), "anxiety", 5, 2).verdict == NO_REFERENCE


# --- direction and clinically significant change ------------------------------------------

CSI_JT = ReliabilityParams.jacobson_truax(sd=10, r=0.9, source="test")
# S_diff = sqrt(2) x 10 x sqrt(0.1) = 4.472; reliable beyond 1.96 x 4.472 = 8.77 points.


def test_csi_rise_is_improvement_because_higher_is_better():
    change = reliable_change(get_instrument("csi16"), "total", 40, 55, params=CSI_JT)
    assert change.rci == pytest.approx(3.354, abs=0.001)
    assert change.verdict == RELIABLY_IMPROVED


def test_csi_fall_is_deterioration():
    change = reliable_change(get_instrument("csi16"), "total", 55, 40, params=CSI_JT)
    assert change.verdict == RELIABLY_DETERIORATED


def test_csi_reliable_rise_across_51_5_is_clinically_significant():
    assert reliable_change(
        get_instrument("csi16"), "total", 40, 55, params=CSI_JT
    ).clinically_significant


def test_csi_reliable_rise_staying_below_51_5_is_not_clinically_significant():
    change = reliable_change(get_instrument("csi16"), "total", 30, 45, params=CSI_JT)
    assert (change.verdict, change.clinically_significant) == (RELIABLY_IMPROVED, False)


def test_phq9_reliable_fall_below_10_is_clinically_significant():
    assert reliable_change(get_instrument("phq9"), "total", 16, 9).clinically_significant is True


def test_phq9_reliable_fall_staying_above_cutoff_is_not_clinically_significant():
    assert reliable_change(get_instrument("phq9"), "total", 22, 15).clinically_significant is False


def test_phq9_crossing_the_cutoff_without_reliable_change_is_not_clinically_significant():
    assert reliable_change(get_instrument("phq9"), "total", 11, 8).clinically_significant is False


def test_neutral_scale_reports_increase_not_improvement():
    params = ReliabilityParams.jacobson_truax(sd=5, r=0.9, source="test")
    change = reliable_change(get_instrument("bpqsf"), "body_awareness", 60, 80, params=params)
    assert change.verdict == RELIABLY_INCREASED


# --- partner discrepancy --------------------------------------------------------------------


def test_partner_discrepancy_beyond_measurement_error():
    # 1.96 x 12.40 x sqrt(2 x (1 - 0.82)) = 1.96 x 12.40 x 0.6 = 14.58.
    result = partner_discrepancy(pcl5(), "total", 50, 35)
    assert (result.difference, result.threshold, result.beyond_measurement_error) == (
        15,
        14.58,
        True,
    )


def test_partner_discrepancy_within_measurement_error():
    assert partner_discrepancy(pcl5(), "total", 35, 49).beyond_measurement_error is False


def test_partner_discrepancy_without_sd_and_r_is_the_raw_difference_only():
    result = partner_discrepancy(get_instrument("phq9"), "total", 20, 5)
    assert (result.difference, result.threshold, result.beyond_measurement_error) == (
        15,
        None,
        None,
    )
    assert result.method == NO_REFERENCE


def test_partner_discrepancy_honours_an_override():
    params = ReliabilityParams.jacobson_truax(sd=5, r=0.5, source="test")
    # 1.96 x 5 x sqrt(1) = 9.8
    result = partner_discrepancy(get_instrument("phq9"), "total", 20, 10, params=params)
    assert (result.threshold, result.beyond_measurement_error) == (9.8, True)


# --- percentiles ----------------------------------------------------------------------------


def test_percentile_is_none_where_no_norms_are_shipped():
    assert percentile(get_instrument("bpqsf"), "body_awareness", 80) is None


def test_percentile_reads_a_norm_table_when_one_exists():
    data = json.loads((INSTRUMENTS_DIR / "gad7-1.json").read_text(encoding="utf-8"))
    data["total"]["norms"] = [
        {
            "id": "example",
            "population": "invented for the test",
            "source": "test",
            "verified": False,
            "table": [
                {"score": 0, "percentile": 10},
                {"score": 5, "percentile": 60},
                {"score": 10, "percentile": 90},
            ],
        }
    ]
    gad7 = parse_definition(data, "gad7-1.json")
    assert percentile(gad7, "total", 7) == 60
    assert percentile(gad7, "total", 10) == 90


# --- series and dyadic change ---------------------------------------------------------------


def test_series_change_since_baseline_and_since_last():
    points = [
        (date(2025, 3, 1), 15),
        (date(2025, 1, 1), 20),
        (date(2025, 2, 1), None),  # withheld
        (date(2025, 4, 1), 12),
    ]
    series = series_change(get_instrument("phq9"), "total", points)
    assert [p.value for p in series.points] == [20, 15, 12]
    assert (series.since_baseline.difference, series.since_baseline.verdict) == (
        -8,
        RELIABLY_IMPROVED,
    )
    assert (series.since_last.difference, series.since_last.verdict) == (-3, NO_RELIABLE_CHANGE)


def test_series_with_one_usable_score_has_no_change():
    series = series_change(
        get_instrument("phq9"),
        "total",
        [ScorePoint(date(2025, 1, 1), 12), (date(2025, 2, 1), None)],
    )
    assert (series.since_baseline, series.since_last) == (None, None)


def test_dyadic_change_both_improved():
    phq9 = get_instrument("phq9")
    both = dyadic_change(
        reliable_change(phq9, "total", 18, 9), reliable_change(phq9, "total", 15, 8)
    )
    assert both.summary == "both reliably improved"


def test_dyadic_change_one_improved_one_not_reads_the_same_either_way_round():
    phq9 = get_instrument("phq9")
    improved, unchanged = (
        reliable_change(phq9, "total", 18, 9),
        reliable_change(phq9, "total", 15, 14),
    )
    assert (
        dyadic_change(improved, unchanged).summary
        == "one reliably improved, one no reliable change"
    )
    assert (
        dyadic_change(unchanged, improved).summary
        == "one reliably improved, one no reliable change"
    )


def test_dyadic_change_improved_and_deteriorated():
    phq9 = get_instrument("phq9")
    summary = dyadic_change(
        reliable_change(phq9, "total", 4, 12), reliable_change(phq9, "total", 18, 9)
    ).summary
    assert summary == "one reliably improved, one reliably deteriorated"


def test_dyadic_change_without_reference():
    ders = get_instrument("ders16")
    summary = dyadic_change(
        reliable_change(ders, "total", 60, 30), reliable_change(ders, "total", 50, 52)
    ).summary
    assert summary == NO_REFERENCE


def test_dyadic_change_refuses_different_scales():
    pcl = pcl5()
    with pytest.raises(ValueError, match="same scale"):
        dyadic_change(reliable_change(pcl, "total", 40, 30), reliable_change(pcl, "arousal", 10, 5))
