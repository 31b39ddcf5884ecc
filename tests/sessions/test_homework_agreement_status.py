"""The pure rule for when a time-out agreement is in force (no database)."""

from datetime import UTC, datetime, timedelta

from sessions.homework.agreements import ACCEPTED, DISCUSS, Answer, agreement_status

A, B = "a", "b"
T0 = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_not_in_force_until_both_partners_accept_the_latest_version():
    status = agreement_status(
        partners=(A, B), versions=[1], answers=[Answer(1, A, ACCEPTED, at(1))]
    )
    assert not status.in_force
    assert status.waiting_for == (B,)
    assert status.last_agreed_version is None


def test_in_force_when_both_accept_the_latest_version():
    answers = [Answer(1, A, ACCEPTED, at(1)), Answer(1, B, ACCEPTED, at(2))]
    status = agreement_status(partners=(A, B), versions=[1], answers=answers)
    assert status.in_force
    assert status.waiting_for == ()
    assert status.last_agreed_version == 1


def test_a_new_version_needs_both_acceptances_again():
    answers = [
        Answer(1, A, ACCEPTED, at(1)),
        Answer(1, B, ACCEPTED, at(2)),
        Answer(2, A, ACCEPTED, at(10)),
    ]
    status = agreement_status(partners=(A, B), versions=[1, 2], answers=answers)
    assert status.version == 2
    assert not status.in_force
    assert status.waiting_for == (B,)
    assert status.last_agreed_version == 1


def test_asking_to_discuss_is_recorded_and_cleared_by_a_later_acceptance():
    asked = [Answer(1, B, DISCUSS, at(1), note="The 20 minutes feel too short")]
    status = agreement_status(partners=(A, B), versions=[1], answers=asked)
    standing = status.standing_of(B)
    assert standing.wants_to_discuss and standing.note == "The 20 minutes feel too short"
    later = agreement_status(
        partners=(A, B), versions=[1], answers=[*asked, Answer(1, B, ACCEPTED, at(5))]
    )
    assert later.standing_of(B).accepted and not later.standing_of(B).wants_to_discuss


def test_an_ended_agreement_is_not_in_force_even_if_both_accepted():
    answers = [Answer(1, A, ACCEPTED, at(1)), Answer(1, B, ACCEPTED, at(2))]
    status = agreement_status(partners=(A, B), versions=[1], answers=answers, ended=True)
    assert not status.in_force


def test_answers_by_someone_outside_the_couple_do_not_count():
    answers = [Answer(1, A, ACCEPTED, at(1)), Answer(1, "stranger", ACCEPTED, at(2))]
    status = agreement_status(partners=(A, B), versions=[1], answers=answers)
    assert not status.in_force
