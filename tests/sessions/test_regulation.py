from datetime import date, datetime

import pytest

from sessions.logs.regulation import (
    HYPER,
    HYPO,
    WITHIN,
    ArousalShift,
    DayZone,
    PracticeArousal,
    RegulationError,
    StripDay,
    Zone,
    ZoneReading,
    arousal_shift,
    both_out_of_window_days,
    daily_zone,
    daily_zones,
    regulation_strip,
    zone_counts,
)

D1, D2, D3, D4, D5 = (date(2025, 12, day) for day in (1, 2, 3, 4, 5))


def day(on: date, zone: Zone, intensity: int = 5) -> DayZone:
    return DayZone(on=on, zone=zone, intensity=intensity, readings=1)


def test_out_of_window_reading_outranks_a_more_intense_calm_one():
    readings = [
        ZoneReading(D1, WITHIN, 2),
        ZoneReading(D1, HYPO, 4),
        ZoneReading(D1, WITHIN, 9),
    ]
    assert daily_zone(readings) == DayZone(on=D1, zone=HYPO, intensity=4, readings=3)


def test_highest_intensity_wins_among_out_of_window_readings():
    readings = [ZoneReading(D1, HYPER, 5), ZoneReading(D1, HYPO, 8)]
    assert (daily_zone(readings).zone, daily_zone(readings).intensity) == (HYPO, 8)


def test_hyper_wins_a_tie_with_hypo():
    readings = [ZoneReading(D1, HYPO, 6), ZoneReading(D1, HYPER, 6)]
    assert daily_zone(readings).zone == HYPER


def test_a_calm_last_check_in_does_not_undo_a_flooded_afternoon():
    readings = [
        ZoneReading(D1, HYPER, 8, at=datetime(2025, 12, 1, 15, 0)),
        ZoneReading(D1, WITHIN, 1, at=datetime(2025, 12, 1, 21, 0)),
    ]
    assert daily_zone(readings).zone == HYPER


def test_all_within_day_keeps_its_highest_intensity():
    readings = [ZoneReading(D1, WITHIN, 3), ZoneReading(D1, WITHIN, 5)]
    assert daily_zone(readings) == DayZone(on=D1, zone=WITHIN, intensity=5, readings=2)


def test_no_readings_means_no_day_zone():
    assert daily_zone([]) is None


def test_daily_zone_refuses_readings_of_several_days():
    with pytest.raises(RegulationError) as caught:
        daily_zone([ZoneReading(D1, WITHIN, 1), ZoneReading(D2, WITHIN, 1)])
    assert caught.value.field == "on"


def test_zone_codes_are_accepted_and_coerced():
    assert ZoneReading(D1, "hypo", 3).zone is HYPO


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"on": D1, "zone": "angry", "intensity": 3}, "zone"),
        ({"on": D1, "zone": "hyper", "intensity": 11}, "intensity"),
        ({"on": D1, "zone": "hyper", "intensity": -1}, "intensity"),
        ({"on": D1, "zone": "hyper", "intensity": 4.5}, "intensity"),
        ({"on": datetime(2025, 12, 1, 8), "zone": "hyper", "intensity": 4}, "on"),
    ],
)
def test_invalid_readings_name_their_field(kwargs, field):
    with pytest.raises(RegulationError) as caught:
        ZoneReading(**kwargs)
    assert caught.value.field == field


def test_daily_zones_groups_by_day_in_date_order():
    readings = [
        ZoneReading(D3, HYPER, 7),
        ZoneReading(D1, WITHIN, 2),
        ZoneReading(D3, WITHIN, 1),
    ]
    zones = daily_zones(readings)
    assert list(zones) == [D1, D3]
    assert zones[D3] == DayZone(on=D3, zone=HYPER, intensity=7, readings=2)


def test_both_out_of_window_days_needs_both_partners_outside():
    partner_a = {D1: day(D1, HYPER), D2: day(D2, WITHIN), D3: day(D3, HYPO), D5: day(D5, HYPER)}
    partner_b = {D1: day(D1, HYPO), D2: day(D2, HYPER), D3: day(D3, HYPER), D4: day(D4, HYPER)}
    assert both_out_of_window_days(partner_a, partner_b) == [D1, D3]


def test_regulation_strip_marks_days_without_data_as_none():
    days = {D1: day(D1, HYPER, 7), D3: day(D3, WITHIN, 2)}
    assert regulation_strip(days, D1, n_days=4) == [
        StripDay(D1, HYPER, 7),
        StripDay(D2, None, None),
        StripDay(D3, WITHIN, 2),
        StripDay(D4, None, None),
    ]


def test_regulation_strip_defaults_to_fourteen_days():
    strip = regulation_strip({}, D1)
    assert len(strip) == 14
    assert strip[-1].on == date(2025, 12, 14)


def test_regulation_strip_length_is_validated():
    with pytest.raises(RegulationError) as caught:
        regulation_strip({}, D1, n_days=0)
    assert caught.value.field == "n_days"


def test_zone_counts_include_every_zone():
    days = {D1: day(D1, HYPER), D2: day(D2, HYPER), D3: day(D3, WITHIN)}
    assert zone_counts(days) == {HYPER: 2, WITHIN: 1, HYPO: 0}
    assert zone_counts([]) == {HYPER: 0, WITHIN: 0, HYPO: 0}


def test_arousal_shift_means_over_logs_rated_before_and_after():
    logs = [
        PracticeArousal(7, 3, HYPER, WITHIN),
        PracticeArousal(5, 4, WITHIN, WITHIN),
        PracticeArousal(6, None),
        PracticeArousal(None, 2),
        PracticeArousal(8, 2, HYPO, WITHIN),
        PracticeArousal(4, 6, WITHIN, HYPER),
    ]
    # Before: (7 + 5 + 8 + 4) / 4 = 6.0; after: (3 + 4 + 2 + 6) / 4 = 3.75.
    assert arousal_shift(logs) == ArousalShift(
        count=4, mean_before=6.0, mean_after=3.75, mean_change=-2.25, moved_into_window=2
    )


def test_arousal_shift_without_rated_logs_has_no_means():
    assert arousal_shift([PracticeArousal(None, None)]) == ArousalShift(0, None, None, None, 0)


def test_arousal_shift_validates_intensities():
    with pytest.raises(RegulationError) as caught:
        arousal_shift([PracticeArousal(12, 3)])
    assert caught.value.field == "before_intensity"
