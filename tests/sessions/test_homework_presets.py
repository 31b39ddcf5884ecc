from datetime import UTC, datetime

import pytest

from sessions.homework.presets import (
    BREATHING,
    PACED_RATE_MAX,
    PACED_RATE_MIN,
    PRESET_BY_CODE,
    PRESETS,
    SUGGESTED_HEART_RATE_CUE,
    TIMEOUT_DEFAULTS,
    TIMEOUT_STEPS,
    HomeworkError,
    PracticePlan,
    TimeOutTerms,
    validate_practice,
    validate_timeout_terms,
)

CALLED_AT = datetime(2025, 12, 8, 19, 0, tzinfo=UTC)


def field_of_timeout_error(*args) -> str:
    with pytest.raises(HomeworkError) as caught:
        validate_timeout_terms(*args)
    return caught.value.field


def field_of_practice_error(*args) -> str:
    with pytest.raises(HomeworkError) as caught:
        validate_practice(*args)
    return caught.value.field


# --- time-out ------------------------------------------------------------------------------


def test_timeout_defaults_follow_the_flooding_guidance():
    assert TimeOutTerms(20, 1440, None, True) == TIMEOUT_DEFAULTS
    assert SUGGESTED_HEART_RATE_CUE == 100


def test_timeout_steps_name_the_return_time_and_no_last_word():
    text = " ".join(TIMEOUT_STEPS)
    assert "come back" in text
    assert "last word" in text


def test_valid_timeout_terms_are_returned():
    terms = validate_timeout_terms(30, 120, 95)
    assert terms == TimeOutTerms(30, 120, 95, return_time_required=True)


def test_timeout_limits_are_inclusive():
    assert validate_timeout_terms(20, 1440, None).heart_rate_cue is None


def test_break_shorter_than_twenty_minutes_is_refused():
    with pytest.raises(HomeworkError) as caught:
        validate_timeout_terms(15, 60, None)
    assert caught.value.field == "min_break_minutes"
    assert "at least 20 minutes" in caught.value.message


def test_break_longer_than_a_day_is_refused():
    assert field_of_timeout_error(20, 1441, None) == "max_break_minutes"


def test_longest_break_cannot_be_shorter_than_shortest():
    assert field_of_timeout_error(60, 30, None) == "max_break_minutes"


@pytest.mark.parametrize("cue", [59, 151, "100", 99.5, True])
def test_heart_rate_cue_must_be_a_sensible_whole_bpm(cue):
    assert field_of_timeout_error(20, 60, cue) == "heart_rate_cue"


@pytest.mark.parametrize("minutes", ["20", 20.0, None])
def test_break_minutes_must_be_whole_numbers(minutes):
    assert field_of_timeout_error(minutes, 60, None) == "min_break_minutes"


def test_timeout_error_renders_as_field_keyed_list():
    with pytest.raises(HomeworkError) as caught:
        validate_timeout_terms(20, 60, 200)
    assert list(caught.value.as_dict()) == ["heart_rate_cue"]


# --- presets -------------------------------------------------------------------------------


def test_presets_cover_the_agreed_practices():
    assert set(PRESET_BY_CODE) == {
        "resonance_breathing",
        "box_breathing",
        "cyclic_sighing",
        "breathing_4_7_8",
        "body_scan_short",
        "grounding_5_4_3_2_1",
        "meditation",
    }


def test_resonance_breathing_is_five_in_five_out_six_a_minute():
    preset = PRESET_BY_CODE["resonance_breathing"]
    assert preset.pattern == (("in", 5), ("out", 5))
    assert preset.breaths_per_minute == 6.0
    assert preset.default_minutes == 15


def test_box_breathing_is_four_equal_phases():
    preset = PRESET_BY_CODE["box_breathing"]
    assert [seconds for _, seconds in preset.pattern] == [4, 4, 4, 4]
    assert preset.breaths_per_minute == 3.75


def test_four_seven_eight_is_four_cycles_twice_a_day_with_caution():
    preset = PRESET_BY_CODE["breathing_4_7_8"]
    assert (preset.cycles, preset.times_per_day) == (4, 2)
    assert preset.breaths_per_minute == 3.16
    assert "light-headed" in preset.caution


def test_cyclic_sighing_is_five_minutes_self_paced():
    preset = PRESET_BY_CODE["cyclic_sighing"]
    assert (preset.default_minutes, preset.breaths_per_minute) == (5, None)


def test_trauma_sensitive_body_scan_is_short_and_allows_opting_out():
    preset = PRESET_BY_CODE["body_scan_short"]
    assert preset.default_minutes < 45
    assert "eyes open" in preset.instructions
    assert "stop at any time" in preset.instructions


def test_every_preset_is_valid_with_its_own_defaults():
    for preset in PRESETS:
        assert preset.instructions
        plan = validate_practice(preset.code, None, None)
        assert plan.minutes == preset.default_minutes
        if preset.pattern:
            assert PACED_RATE_MIN <= preset.breaths_per_minute <= PACED_RATE_MAX
            assert preset.category == BREATHING


# --- validate_practice ---------------------------------------------------------------------


def test_custom_resonance_rate_and_length_are_accepted():
    assert validate_practice("resonance_breathing", 5.5, 20) == PracticePlan(
        "resonance_breathing", 5.5, 20
    )


def test_defaults_fill_missing_rate_and_length():
    assert validate_practice("box_breathing", None, None) == PracticePlan("box_breathing", 3.75, 5)


@pytest.mark.parametrize("rate", [PACED_RATE_MIN, PACED_RATE_MAX, 3, 10])
def test_paced_rate_limits_are_inclusive(rate):
    assert validate_practice("resonance_breathing", rate, 15).breaths_per_minute == rate


@pytest.mark.parametrize("rate", [2.9, 10.1, 0, float("nan"), "6", True])
def test_paced_rate_outside_three_to_ten_is_refused(rate):
    assert field_of_practice_error("resonance_breathing", rate, 15) == "breaths_per_minute"


@pytest.mark.parametrize("minutes", [0, 61, 10.5, "10"])
def test_practice_length_outside_one_to_sixty_minutes_is_refused(minutes):
    assert field_of_practice_error("meditation", None, minutes) == "minutes"


def test_practice_length_limits_are_inclusive():
    assert validate_practice("meditation", None, 1).minutes == 1
    assert validate_practice("meditation", None, 60).minutes == 60


def test_unknown_technique_is_refused():
    with pytest.raises(HomeworkError) as caught:
        validate_practice("wim_hof", 6, 10)
    assert caught.value.field == "technique"
    assert "resonance_breathing" in caught.value.message


def test_mindfulness_practice_takes_no_breathing_rate():
    assert field_of_practice_error("grounding_5_4_3_2_1", 6, 5) == "breaths_per_minute"
