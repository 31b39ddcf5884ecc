"""Scoring the instruments shipped with placeholder wording (DERS-16, ECR-R, ECR-S, BPQ-SF,
CSI-16, CSI-4) against hand-computed cases (pure: no database)."""

import pytest

from assessments.scoring import InvalidAnswer, get_instrument, score


def values(result):
    return {s.id: s.value for s in result.scales}


# --- DERS-16 --------------------------------------------------------------------------------


def ders16(answers):
    return score(get_instrument("ders16"), answers)


def test_ders16_all_minimum():
    assert values(ders16(dict.fromkeys(range(1, 17), 1))) == {
        "total": 16,
        "clarity": 2,
        "goals": 3,
        "impulse": 3,
        "strategies": 5,
        "nonacceptance": 3,
    }


def test_ders16_all_maximum():
    assert values(ders16(dict.fromkeys(range(1, 17), 5))) == {
        "total": 80,
        "clarity": 10,
        "goals": 15,
        "impulse": 15,
        "strategies": 25,
        "nonacceptance": 15,
    }


def test_ders16_mixed_case_sums_each_subscale():
    # Item n answered ((n - 1) % 5) + 1: 1,2,3,4,5,1,2,3,4,5,1,2,3,4,5,1.
    answers = {n: (n - 1) % 5 + 1 for n in range(1, 17)}
    assert values(ders16(answers)) == {
        "total": 46,
        "clarity": 3,  # items 1, 2: 1 + 2
        "goals": 10,  # items 3, 7, 15: 3 + 2 + 5
        "impulse": 8,  # items 4, 8, 11: 4 + 3 + 1
        "strategies": 13,  # items 5, 6, 12, 14, 16: 5 + 1 + 2 + 4 + 1
        "nonacceptance": 12,  # items 9, 10, 13: 4 + 5 + 3
    }


def test_ders16_has_no_bands_or_cutoff():
    result = ders16(dict.fromkeys(range(1, 17), 3))
    assert (result.band, result.above_cutoff) == (None, None)


def test_ders16_clarity_with_one_of_two_items_is_withheld_while_the_total_is_prorated():
    answers = dict.fromkeys(range(2, 17), 2)  # item 1 skipped: 15 of 16, total 30
    result = ders16(answers)
    assert result.scale("clarity").value is None
    # 30 / 15 x 16 = 32.0
    assert (result.total, result.total_score.prorated) == (32.0, True)


def test_ders16_total_needs_thirteen_of_sixteen():
    assert ders16(dict.fromkeys(range(1, 14), 1)).total == 16.0
    assert ders16(dict.fromkeys(range(1, 13), 1)).total is None


# --- ECR-R ----------------------------------------------------------------------------------

ECRR_REVERSED = {9, 11, 20, 22, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36}


def ecrr(answers):
    return score(get_instrument("ecrr"), answers)


def test_ecrr_lowest_possible_scores_need_reverse_keyed_items_at_7():
    answers = {n: 7 if n in ECRR_REVERSED else 1 for n in range(1, 37)}
    assert values(ecrr(answers)) == {"anxiety": 1.0, "avoidance": 1.0}


def test_ecrr_highest_possible_scores():
    answers = {n: 1 if n in ECRR_REVERSED else 7 for n in range(1, 37)}
    assert values(ecrr(answers)) == {"anxiety": 7.0, "avoidance": 7.0}


def test_ecrr_all_ones_shows_the_reverse_keys_at_work():
    # Anxiety: 16 items at 1 plus items 9 and 11 reversed to 7: 30 / 18 = 1.67.
    # Avoidance: 6 items at 1 plus 12 reversed to 7: 90 / 18 = 5.0.
    assert values(ecrr(dict.fromkeys(range(1, 37), 1))) == {"anxiety": 1.67, "avoidance": 5.0}


def test_ecrr_mixed_case():
    # Anxiety items 1-18 answered ((n - 1) % 7) + 1 (raw sum 66); item 9 raw 2 scores 6 (+4),
    # item 11 raw 4 scores 4: 70 / 18 = 3.888 -> 3.89. Avoidance all 4: reversal keeps 4.
    answers = {n: (n - 1) % 7 + 1 for n in range(1, 19)} | dict.fromkeys(range(19, 37), 4)
    assert values(ecrr(answers)) == {"anxiety": 3.89, "avoidance": 4.0}


def test_ecrr_fifteen_of_eighteen_is_the_mean_of_answered_fourteen_withheld():
    answers = dict.fromkeys(range(19, 37), 4) | {n: 2 for n in range(1, 16) if n not in (9, 11)}
    answers |= {9: 6, 11: 6}  # reversed to 2
    anxiety = ecrr(answers).scale("anxiety")
    assert (anxiety.value, anxiety.prorated, anxiety.answered) == (2.0, True, 15)
    del answers[1]
    assert ecrr(answers).scale("anxiety").value is None


def test_ecrr_has_no_total():
    result = ecrr(dict.fromkeys(range(1, 37), 4))
    assert (result.total, result.band, result.above_cutoff) == (None, None, None)


# --- ECR-S ----------------------------------------------------------------------------------


def ecrs(answers):
    return score(get_instrument("ecrs"), answers)


ECRS_MIXED = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 2, 9: 3, 10: 4, 11: 5, 12: 6}


def test_ecrs_mixed_case_with_reverse_keys():
    # Anxiety 2, 4, 6, 8r, 10, 12: 2 + 4 + 6 + (8 - 2) + 4 + 6 = 28 / 6 = 4.67.
    # Avoidance 1r, 3, 5r, 7, 9r, 11: (8 - 1) + 3 + (8 - 5) + 7 + (8 - 3) + 5 = 30 / 6 = 5.0.
    assert values(ecrs(ECRS_MIXED)) == {"anxiety": 4.67, "avoidance": 5.0}


def test_ecrs_all_minimum_and_maximum_answers():
    assert values(ecrs(dict.fromkeys(range(1, 13), 1))) == {"anxiety": 2.0, "avoidance": 4.0}
    assert values(ecrs(dict.fromkeys(range(1, 13), 7))) == {"anxiety": 6.0, "avoidance": 4.0}


def test_ecrs_five_of_six_is_the_mean_of_answered():
    answers = {k: v for k, v in ECRS_MIXED.items() if k != 12}
    anxiety = ecrs(answers).scale("anxiety")
    # 2 + 4 + 6 + 6 + 4 = 22 / 5 = 4.4
    assert (anxiety.value, anxiety.prorated, anxiety.imputation) == (
        4.4,
        True,
        "mean of answered items",
    )


def test_ecrs_four_of_six_is_withheld():
    answers = {k: v for k, v in ECRS_MIXED.items() if k not in (10, 12)}
    anxiety = ecrs(answers).scale("anxiety")
    assert anxiety.value is None
    assert anxiety.withheld_reason == "4 of 6 items answered; at least 5 needed (80% rule)"


# --- BPQ-SF ---------------------------------------------------------------------------------


def bpqsf(answers):
    return score(get_instrument("bpqsf"), answers)


def test_bpqsf_all_minimum_and_all_maximum():
    assert values(bpqsf(dict.fromkeys(range(1, 47), 1))) == {
        "body_awareness": 26,
        "supradiaphragmatic": 15,
        "subdiaphragmatic": 6,
        "autonomic_reactivity": 20,
    }
    assert values(bpqsf(dict.fromkeys(range(1, 47), 5))) == {
        "body_awareness": 130,
        "supradiaphragmatic": 75,
        "subdiaphragmatic": 30,
        "autonomic_reactivity": 100,
    }


def test_bpqsf_item_41_counts_in_both_reactivity_subscales():
    result = bpqsf({**dict.fromkeys(range(1, 47), 1), 41: 5})
    assert result.scale("supradiaphragmatic").value == 19
    assert result.scale("subdiaphragmatic").value == 10
    assert result.scale("autonomic_reactivity").value == 24


def test_bpqsf_missing_items_take_the_median_of_the_subscale():
    # Body awareness: items 1-12 at 2, 13-24 at 4, 25-26 missing. Median of the 24 answers is
    # 3; 24 + 48 + 2 x 3 = 78.
    answers = dict.fromkeys(range(1, 13), 2) | dict.fromkeys(range(13, 25), 4)
    body = bpqsf(answers).scale("body_awareness")
    assert (body.value, body.prorated, body.answered) == (78, True, 24)
    assert body.imputation == "median replacement (2 of 26 items missing)"


def test_bpqsf_median_of_an_even_count_can_be_a_half():
    # Supradiaphragmatic 27-41 with 41 missing: 7 answers of 1 and 7 of 2, median 1.5;
    # 7 + 14 + 1.5 = 22.5.
    answers = dict.fromkeys(range(27, 34), 1) | dict.fromkeys(range(34, 41), 2)
    assert bpqsf(answers).scale("supradiaphragmatic").value == 22.5


def test_bpqsf_one_answer_never_makes_a_full_subscale_score():
    body = bpqsf({1: 3}).scale("body_awareness")
    assert (body.value, body.answered) == (None, 1)
    assert body.withheld_reason == "1 of 26 items answered; at least 21 needed (80% rule)"


def test_bpqsf_needs_80_percent_of_each_subscale():
    # Subdiaphragmatic has 6 items: 5 answered (83%) is scored, 4 (67%) is withheld.
    five = bpqsf(dict.fromkeys(range(41, 46), 2)).scale("subdiaphragmatic")
    assert (five.value, five.answered) == (12, 5)
    four = bpqsf(dict.fromkeys(range(41, 45), 2)).scale("subdiaphragmatic")
    assert four.value is None
    assert four.withheld_reason == "4 of 6 items answered; at least 5 needed (80% rule)"


def test_bpqsf_subscale_with_nothing_answered_is_withheld():
    result = bpqsf(dict.fromkeys(range(1, 27), 2))
    assert result.scale("subdiaphragmatic").value is None
    assert result.scale("subdiaphragmatic").withheld_reason == (
        "0 of 6 items answered; at least 5 needed (80% rule)"
    )


def test_bpqsf_item_41_is_imputed_once_supradiaphragmatic_first():
    # Items 27-40 answered: seven 1s and seven 3s, median 2; item 41 missing takes 2 in the
    # supradiaphragmatic subscale: 7 + 21 + 2 = 30.
    # Subdiaphragmatic 42-46 answered 5, 5, 5, 5, 5: its own median would be 5, but item 41
    # keeps the 2 imputed first: 25 + 2 = 27 (not 30).
    # Autonomic reactivity 27-46: 7 + 21 + 2 + 25 = 55 (item 41 counted once, as 2).
    answers = dict.fromkeys(range(27, 34), 1) | dict.fromkeys(range(34, 41), 3)
    answers |= dict.fromkeys(range(42, 47), 5)
    result = bpqsf(answers)
    supra = result.scale("supradiaphragmatic")
    sub = result.scale("subdiaphragmatic")
    assert (supra.value, supra.answered, supra.prorated) == (30, 14, True)
    assert supra.imputation == "median replacement (1 of 15 items missing)"
    assert (sub.value, sub.answered, sub.prorated) == (27, 5, True)
    assert sub.imputation == (
        "median replacement (1 of 6 items missing; item 41 as already imputed for an earlier "
        "subscale)"
    )
    assert result.scale("autonomic_reactivity").value == 55


def test_bpqsf_item_41_falls_to_the_subdiaphragmatic_median_when_supra_is_withheld():
    # Supradiaphragmatic: 10 of 15 answered (67%) is withheld and imputes nothing; the
    # subdiaphragmatic subscale then fills item 41 with its own median: 5 x 4 + 4 = 24.
    answers = dict.fromkeys(range(27, 37), 1) | dict.fromkeys(range(42, 47), 4)
    result = bpqsf(answers)
    assert result.scale("supradiaphragmatic").value is None
    assert result.scale("subdiaphragmatic").value == 24


# --- CSI-16 and CSI-4 -----------------------------------------------------------------------


def csi16(answers):
    return score(get_instrument("csi16"), answers)


def csi4(answers):
    return score(get_instrument("csi4"), answers)


def test_csi16_all_minimum_is_zero_and_in_the_distress_range():
    result = csi16(dict.fromkeys(range(1, 17), 0))
    assert (result.total, result.above_cutoff) == (0, True)


def test_csi16_all_maximum_is_81_with_item_1_scored_0_to_6():
    result = csi16({1: 6, **dict.fromkeys(range(2, 17), 5)})
    assert (result.total, result.above_cutoff) == (81, False)


def test_csi16_distress_threshold_51_is_below_and_52_is_not():
    # Item 1 at 6 plus 15 items: 45 -> 51 total; one more point -> 52.
    at_51 = {1: 6, **dict.fromkeys(range(2, 11), 5), **dict.fromkeys(range(11, 17), 0)}
    at_51[11] = 0
    assert csi16(at_51).total == 51
    assert csi16(at_51).above_cutoff is True
    assert csi16({**at_51, 11: 1}).above_cutoff is False


def test_csi16_items_other_than_1_stop_at_5():
    with pytest.raises(InvalidAnswer, match="item 2: 6 is not an answer"):
        csi16({2: 6})


def test_csi16_answers_are_values_not_positions():
    # Printed forms list some items 5..0; the stored value 5 is the satisfied end either way.
    assert csi16({1: 0, 2: 5, **dict.fromkeys(range(3, 17), 0)}).total == 5


def test_csi4_total_and_unverified_distress_threshold():
    assert csi4({1: 6, 2: 5, 3: 5, 4: 5}).total == 21
    assert csi4({1: 3, 2: 5, 3: 5, 4: 0}).above_cutoff is True  # 13 < 13.5
    assert csi4({1: 4, 2: 5, 3: 5, 4: 0}).above_cutoff is False  # 14
