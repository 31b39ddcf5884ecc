from datetime import date, datetime, timedelta

import pytest

from sessions.homework.adherence import (
    AdherenceError,
    AdherenceSummary,
    WeekAdherence,
    adherence_summary,
    weekly_adherence,
)

# 2025-12-01 is a Monday; 2025-12-04 a Thursday.
D = date


def december(*days: int) -> list[date]:
    return [D(2025, 12, day) for day in days]


def thursday_start_weeks() -> list[WeekAdherence]:
    return weekly_adherence(
        start=D(2025, 12, 4),
        end=None,
        target_per_week=5,
        # 3 Dec is before the start and 18 Dec after today: both ignored.
        log_dates=december(3, 4, 5, 5, 7, 8, 10, 12, 14, 15, 17, 18),
        today=D(2025, 12, 17),
    )


def test_weeks_run_monday_to_sunday_from_the_week_of_start():
    weeks = thursday_start_weeks()
    assert [(w.week_start, w.week_end) for w in weeks] == [
        (D(2025, 12, 1), D(2025, 12, 7)),
        (D(2025, 12, 8), D(2025, 12, 14)),
        (D(2025, 12, 15), D(2025, 12, 21)),
    ]


def test_partial_first_week_target_is_scaled_by_due_days_and_rounded_up():
    first = thursday_start_weeks()[0]
    # Thursday to Sunday is 4 days: ceil(5 * 4 / 7) = ceil(2.86) = 3.
    assert (first.days_active, first.target) == (4, 3)


def test_two_logs_on_one_day_both_count():
    first = thursday_start_weeks()[0]
    # 4, 5, 5 and 7 December.
    assert (first.logged, first.met) == (4, True)


def test_full_week_keeps_the_whole_target():
    second = thursday_start_weeks()[1]
    assert (second.days_active, second.target, second.logged, second.met) == (7, 5, 4, False)


def test_current_week_is_prorated_to_today_and_marked_in_progress():
    third = thursday_start_weeks()[2]
    # Monday to Wednesday is 3 days: ceil(15 / 7) = 3; logs on 15 and 17 December.
    assert (third.days_active, third.target, third.logged) == (3, 3, 2)
    assert third.in_progress is True
    assert not any(w.in_progress for w in thursday_start_weeks()[:2])


def test_summary_caps_each_week_at_its_target():
    summary = adherence_summary(thursday_start_weeks())
    # Credited 3 (of 4 logged) + 4 + 2 = 9 of 3 + 5 + 3 = 11 -> 81.8%.
    assert summary == AdherenceSummary(
        weeks=3, weeks_met=1, logged=10, target=11, percentage=81.8, credited=9
    )


def test_summary_can_leave_out_the_week_in_progress():
    summary = adherence_summary(thursday_start_weeks(), include_in_progress=False)
    # Credited 3 + 4 = 7 of 8 -> 87.5%.
    assert (summary.weeks, summary.target, summary.percentage) == (2, 8, 87.5)


def test_extra_practice_cannot_hide_a_missed_week():
    weeks = weekly_adherence(
        start=D(2025, 12, 1),
        end=D(2025, 12, 14),
        target_per_week=5,
        log_dates=december(*([1, 2] * 5)),
        today=D(2025, 12, 20),
    )
    assert [(w.logged, w.target) for w in weeks] == [(10, 5), (0, 5)]
    assert adherence_summary(weeks).percentage == 50.0


def test_end_date_before_today_closes_the_last_week():
    weeks = weekly_adherence(
        start=D(2025, 12, 1),
        end=D(2025, 12, 9),
        target_per_week=3,
        log_dates=december(2, 9, 10),
        today=D(2025, 12, 20),
    )
    # Second week: Monday and Tuesday due, ceil(3 * 2 / 7) = 1; the log on the 10th is after end.
    assert [(w.days_active, w.target, w.logged) for w in weeks] == [(7, 3, 1), (2, 1, 1)]
    assert not any(w.in_progress for w in weeks)


def test_single_due_day_still_asks_for_one_practice():
    (week,) = weekly_adherence(
        start=D(2025, 12, 7), end=None, target_per_week=1, log_dates=[], today=D(2025, 12, 7)
    )
    assert (week.week_start, week.days_active, week.target, week.met) == (
        D(2025, 12, 1),
        1,
        1,
        False,
    )


def test_homework_not_started_yet_has_no_weeks():
    weeks = weekly_adherence(
        start=D(2025, 12, 10), end=None, target_per_week=3, log_dates=[], today=D(2025, 12, 9)
    )
    assert weeks == []
    assert adherence_summary(weeks).percentage is None


def test_end_before_start_is_an_error_on_end():
    with pytest.raises(AdherenceError) as caught:
        weekly_adherence(
            start=D(2025, 12, 10),
            end=D(2025, 12, 1),
            target_per_week=3,
            log_dates=[],
            today=D(2025, 12, 20),
        )
    assert caught.value.as_dict() == {"end": ["The end date is before the start date."]}


@pytest.mark.parametrize("target", [0, -1, 71, True, 2.5])
def test_target_must_be_a_sensible_whole_number(target):
    with pytest.raises(AdherenceError) as caught:
        weekly_adherence(
            start=D(2025, 12, 1),
            end=None,
            target_per_week=target,
            log_dates=[],
            today=D(2025, 12, 2),
        )
    assert caught.value.field == "target_per_week"


def test_datetimes_are_refused_so_zones_cannot_slip_in():
    with pytest.raises(AdherenceError) as caught:
        weekly_adherence(
            start=D(2025, 12, 1),
            end=None,
            target_per_week=3,
            log_dates=[datetime(2025, 12, 2, 23, 30)],
            today=D(2025, 12, 3),
        )
    assert caught.value.field == "log_dates"


def test_a_weeks_count_reads_as_words_and_past_the_goal_not_as_six_of_five():
    def week(logged, target):
        monday = date(2026, 11, 23)
        return WeekAdherence(
            monday, monday + timedelta(days=6), logged, target, logged >= target, 7, True
        )

    assert week(3, 5).this_week_in_words == "3 of 5 practices this week"
    assert week(5, 5).this_week_in_words == "5 of 5 practices this week"
    assert week(0, 1).this_week_in_words == "0 of 1 practice this week"
    assert week(6, 5).this_week_in_words == "6 practices this week (goal 5)"
