"""Scoring PHQ-9, GAD-7 and PCL-5 against hand-computed cases, plus answer validation and the
score snapshot (pure: no database)."""

import json

import pytest

from assessments.scoring import InvalidAnswer, ScoreResult, get_instrument, parse_answers, score


def answers_totalling(total: int, items: int, top: int, first: int = 1) -> dict[int, int]:
    """Answers for items first..first+items-1 filled greedily from the first item."""
    out = {}
    for number in range(first, first + items):
        value = min(top, total)
        out[number] = value
        total -= value
    assert total == 0, "total out of reach"
    return out


# --- PHQ-9 ----------------------------------------------------------------------------------


def phq9(answers):
    return score(get_instrument("phq9"), answers)


def test_phq9_all_minimum_is_zero_minimal_below_cutoff():
    result = phq9(dict.fromkeys(range(1, 10), 0))
    assert (result.total, result.band, result.above_cutoff) == (0, "Minimal", False)
    assert result.risk_flags == ()


def test_phq9_all_maximum_is_27_severe_above_cutoff():
    result = phq9(dict.fromkeys(range(1, 10), 3))
    assert (result.total, result.band, result.above_cutoff) == (27, "Severe", True)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Moderately severe"),
        (19, "Moderately severe"),
        (20, "Severe"),
    ],
)
def test_phq9_band_edges(total, band):
    assert phq9(answers_totalling(total, 9, 3)).band == band


def test_phq9_cutoff_edge_9_is_below_and_10_is_at_or_above():
    assert phq9(answers_totalling(9, 9, 3)).above_cutoff is False
    assert phq9(answers_totalling(10, 9, 3)).above_cutoff is True


def test_phq9_complete_total_is_an_unprorated_integer():
    total = phq9({1: 3, 2: 2, 3: 1, 4: 0, 5: 3, 6: 2, 7: 1, 8: 0, 9: 0}).total_score
    assert (total.value, total.prorated, total.answered, total.item_count) == (12, False, 9, 9)
    assert isinstance(total.value, int)


def test_phq9_one_missing_item_is_prorated():
    # Items 1-8 sum to 12; mean 12/8 = 1.5; x 9 items = 13.5.
    total = phq9({1: 3, 2: 2, 3: 1, 4: 0, 5: 3, 6: 2, 7: 1, 8: 0}).total_score
    assert (total.value, total.prorated, total.answered) == (13.5, True, 8)
    assert total.band == "Moderate"


def test_phq9_proration_rounds_half_up():
    # 8 items summing to 2: 2 x 9 / 8 = 2.25 -> 2.3 (half up, not banker's 2.2).
    assert phq9({1: 1, 2: 1, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 9: 0}).total == 2.3


def test_phq9_two_missing_items_are_mean_substituted():
    # NHS Talking Therapies: up to 2 of 9 missing. Items 1-7 sum to 10; 10 / 7 x 9 = 12.857...
    # -> 12.9, banded Moderate and at or above the cut-off of 10.
    result = phq9({1: 3, 2: 2, 3: 1, 4: 0, 5: 3, 6: 1, 7: 0})
    total = result.total_score
    assert (total.value, total.prorated, total.answered, total.item_count) == (12.9, True, 7, 9)
    assert (total.band, total.cutoff_met) == ("Moderate", True)
    assert total.imputation == "mean substitution: mean of answered items x item count"


def test_phq9_three_missing_items_withhold_the_total_with_reason():
    result = phq9(dict.fromkeys(range(1, 7), 2))
    total = result.total_score
    assert total.value is None
    assert total.withheld_reason == (
        "6 of 9 items answered; at least 7 needed (at most 2 may be missing)"
    )
    assert (result.total, result.band, result.above_cutoff) == (None, None, None)


def test_phq9_item_9_at_one_raises_an_alert():
    flags = phq9({**dict.fromkeys(range(1, 9), 0), 9: 1}).risk_flags
    assert len(flags) == 1
    assert (flags[0].item, flags[0].value, flags[0].severity) == (9, 1, "alert")


def test_phq9_item_9_at_zero_raises_nothing():
    assert phq9(dict.fromkeys(range(1, 10), 0)).risk_flags == ()


def test_phq9_item_9_skipped_is_flagged_as_not_answered():
    flags = phq9(dict.fromkeys(range(1, 9), 0)).risk_flags
    assert [(f.item, f.value, f.severity) for f in flags] == [(9, None, "alert")]
    assert flags[0].message.startswith("Risk item not answered: item 9")


def test_phq9_item_10_is_validated_but_not_counted():
    answers = dict.fromkeys(range(1, 10), 1)
    assert phq9({**answers, 10: 3}).total == 9
    with pytest.raises(InvalidAnswer, match="item 10: 4 is not an answer"):
        phq9({**answers, 10: 4})


# --- GAD-7 ----------------------------------------------------------------------------------


def gad7(answers):
    return score(get_instrument("gad7"), answers)


def test_gad7_all_minimum_and_all_maximum():
    low, high = gad7(dict.fromkeys(range(1, 8), 0)), gad7(dict.fromkeys(range(1, 8), 3))
    assert (low.total, low.band, low.above_cutoff) == (0, "Minimal", False)
    assert (high.total, high.band, high.above_cutoff) == (21, "Severe", True)


@pytest.mark.parametrize(
    ("total", "band", "above"),
    [
        (4, "Minimal", False),
        (5, "Mild", False),
        (9, "Mild", False),
        (10, "Moderate", True),
        (14, "Moderate", True),
        (15, "Severe", True),
    ],
)
def test_gad7_band_and_cutoff_edges(total, band, above):
    result = gad7(answers_totalling(total, 7, 3))
    assert (result.band, result.above_cutoff) == (band, above)


def test_gad7_six_of_seven_is_prorated_and_banded_by_the_lower_bound():
    # 6 items summing to 8: 8 x 7 / 6 = 9.33 -> 9.3, between "Mild" (5-9) and "Moderate" (10-14).
    result = gad7({1: 2, 2: 2, 3: 2, 4: 2, 5: 0, 6: 0})
    assert (result.total, result.band, result.above_cutoff) == (9.3, "Mild", False)
    assert result.total_score.prorated is True


def test_gad7_five_of_seven_is_withheld():
    result = gad7(dict.fromkeys(range(1, 6), 3))
    assert result.total is None
    assert "5 of 7 items answered; at least 6 needed" in result.total_score.withheld_reason


# --- PCL-5 ----------------------------------------------------------------------------------


def pcl5(answers):
    return score(get_instrument("pcl5"), answers)


def test_pcl5_all_minimum():
    result = pcl5(dict.fromkeys(range(1, 21), 0))
    assert (result.total, result.above_cutoff) == (0, False)
    assert [s.value for s in result.subscales] == [0, 0, 0, 0]
    assert result.cluster_rule.met is False


def test_pcl5_all_maximum_fills_each_cluster_range():
    result = pcl5(dict.fromkeys(range(1, 21), 4))
    assert (result.total, result.above_cutoff) == (80, True)
    assert [(s.id, s.value) for s in result.subscales] == [
        ("intrusion", 20),
        ("avoidance", 8),
        ("cognition_mood", 28),
        ("arousal", 24),
    ]


def test_pcl5_cutoff_edge_32_below_33_at_or_above():
    assert pcl5(answers_totalling(32, 20, 4)).above_cutoff is False
    assert pcl5(answers_totalling(33, 20, 4)).above_cutoff is True


def test_pcl5_has_no_bands():
    assert pcl5(answers_totalling(40, 20, 4)).band is None


def test_pcl5_provisional_rule_met_when_every_cluster_has_enough_items_at_2():
    # B needs 1 (item 1), C needs 1 (item 6), D needs 2 (8, 9), E needs 2 (15, 17).
    answers = {**dict.fromkeys(range(1, 21), 1), 1: 2, 6: 2, 8: 2, 9: 3, 15: 2, 17: 4}
    rule = pcl5(answers).cluster_rule
    assert rule.met is True
    assert rule.provisional is True
    assert "not a diagnosis" in rule.label
    assert [(c.id, c.endorsed, c.required) for c in rule.clusters] == [
        ("B", 1, 1),
        ("C", 1, 1),
        ("D", 2, 2),
        ("E", 2, 2),
    ]


def test_pcl5_provisional_rule_not_met_when_one_cluster_falls_short():
    answers = {**dict.fromkeys(range(1, 21), 1), 1: 2, 6: 2, 8: 2, 15: 2, 17: 4}  # D has 1
    rule = pcl5(answers).cluster_rule
    assert rule.met is False
    assert [c.met for c in rule.clusters] == [True, True, False, True]


def test_pcl5_provisional_rule_undecided_when_missing_items_could_tip_it():
    answers = {**dict.fromkeys(range(1, 21), 2), 1: 0, 2: 0, 3: 0, 4: 0}
    del answers[5]  # cluster B: nothing endorsed, item 5 unanswered
    rule = pcl5(answers).cluster_rule
    assert rule.met is None
    assert (rule.clusters[0].endorsed, rule.clusters[0].unanswered) == (0, 1)


def test_pcl5_item_16_at_moderately_raises_a_soft_flag():
    flags = pcl5({**dict.fromkeys(range(1, 21), 0), 16: 2}).risk_flags
    assert [(f.item, f.value, f.severity) for f in flags] == [(16, 2, "soft")]


def test_pcl5_item_16_at_a_little_bit_raises_nothing():
    assert pcl5({**dict.fromkeys(range(1, 21), 0), 16: 1}).risk_flags == ()


def test_pcl5_item_16_skipped_is_flagged_as_not_answered():
    answers = dict.fromkeys(range(1, 21), 0)
    del answers[16]
    flags = pcl5(answers).risk_flags
    assert [(f.item, f.value, f.severity) for f in flags] == [(16, None, "soft")]


def test_pcl5_sixteen_of_twenty_is_prorated_fifteen_withheld():
    sixteen = dict.fromkeys(range(1, 17), 2)  # 32 over 16 items -> 2 x 20 = 40
    assert (pcl5(sixteen).total, pcl5(sixteen).total_score.prorated) == (40.0, True)
    assert pcl5(dict.fromkeys(range(1, 16), 2)).total is None


def test_pcl5_avoidance_cluster_with_one_of_two_items_is_withheld():
    answers = dict.fromkeys(range(1, 21), 1)
    del answers[7]
    avoidance = pcl5(answers).scale("avoidance")
    assert avoidance.value is None
    assert avoidance.withheld_reason == "1 of 2 items answered; at least 2 needed (80% rule)"


# --- answer validation ----------------------------------------------------------------------


def test_unknown_item_is_an_invalid_answer_naming_the_item():
    with pytest.raises(InvalidAnswer, match=r"PHQ-9 has no item 11 \(items 1-10\)") as caught:
        phq9({11: 0})
    assert caught.value.item == 11


def test_value_off_the_scale_is_an_invalid_answer_listing_allowed_values():
    with pytest.raises(InvalidAnswer, match=r"GAD-7 item 2: 5 is not an answer .*0, 1, 2, 3"):
        gad7({1: 0, 2: 5})


def test_scale_position_is_not_accepted_as_a_value():
    # DERS-16 values run 1-5: position 0 would be the first option, but 0 is no value.
    with pytest.raises(InvalidAnswer, match="0 is not an answer"):
        score(get_instrument("ders16"), {1: 0})


def test_non_integer_values_are_invalid():
    for bad in (1.0, "1", True, None):
        with pytest.raises(InvalidAnswer, match="must be a whole number"):
            phq9({1: bad})


def test_non_integer_item_numbers_are_invalid():
    with pytest.raises(InvalidAnswer, match="item numbers must be whole numbers"):
        phq9({"1": 1})


def test_parse_answers_turns_json_keys_into_item_numbers_and_drops_blanks():
    assert parse_answers({"1": 2, "2": "3", "3": None}) == {1: 2, 2: 3}


def test_parse_answers_refuses_garbage():
    with pytest.raises(InvalidAnswer, match="item 1: answer must be a whole number"):
        parse_answers({"1": "often"})


def test_empty_response_withholds_everything_and_flags_the_risk_item():
    result = phq9({})
    assert result.total is None
    assert [f.item for f in result.risk_flags] == [9]


# --- snapshot -------------------------------------------------------------------------------


def test_snapshot_round_trips_through_a_dict():
    result = pcl5({**dict.fromkeys(range(1, 20), 2), 16: 3})
    assert ScoreResult.from_dict(result.to_dict()) == result


def test_snapshot_names_instrument_and_version_and_convenience_fields():
    snapshot = phq9({1: 3, 2: 3, 3: 3, 4: 1, 5: 0, 6: 0, 7: 0, 8: 0, 9: 1}).to_dict()
    assert (snapshot["instrument"], snapshot["version"], snapshot["format"]) == ("phq9", 1, 1)
    assert (snapshot["total"], snapshot["band"], snapshot["above_cutoff"]) == (11, "Moderate", True)
    assert snapshot["scales"][0]["id"] == "total"
    assert snapshot["risk_flags"][0]["item"] == 9


def test_snapshot_is_plain_json():
    result = pcl5(dict.fromkeys(range(1, 19), 3))
    assert ScoreResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_snapshot_with_an_unknown_format_is_refused():
    snapshot = phq9(dict.fromkeys(range(1, 10), 0)).to_dict()
    snapshot["format"] = 99
    with pytest.raises(ValueError, match="unknown score snapshot format 99"):
        ScoreResult.from_dict(snapshot)
