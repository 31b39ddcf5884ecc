"""Synthetic clinical history for one couple: sessions with signed notes, questionnaire rounds,
homework, daily check-ins and practice logs, time-outs and HRV readings, written with
bulk inserts. Used by the demo data, the report tests and the report benchmark, so all three
exercise the same shapes of data. Deterministic for a given seed.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from assessments.models import Assignment, Response, ResponseStatus
from assessments.scoring import get_instrument, score
from clinic.models import Couple, User
from sessions.models import (
    AgreementDecision,
    AgreementResponse,
    AgreementVersion,
    CheckIn,
    Homework,
    HomeworkKind,
    Measurement,
    NoteAddendum,
    NoteState,
    NoteTemplate,
    PracticeLog,
    RiskLevel,
    SessionKind,
    SessionNote,
    SessionStatus,
    TherapySession,
    TimeOutLog,
)

DEFAULT_INSTRUMENTS = ("phq9", "gad7", "csi16", "ecrs")

# What a therapist writes differs from week to week: (data, assessment, plan, interventions),
# used in turn, so a run of notes reads as a course of therapy rather than one note copied.
NOTE_WEEKS = (
    (
        "Mapped the pursue-withdraw cycle from Sunday's argument about the in-laws.",
        "Both could name their own part in the cycle; the withdrawing partner went quiet twice.",
        "Introduce the time-out agreement; daily window-of-tolerance check-ins.",
        ["psychoeducation", "attachment_reframing"],
    ),
    (
        "Reviewed the first time-out: called at the signal, both came back within the hour.",
        "Less contempt in the retelling; flooding still comes fast for the pursuing partner.",
        "Keep to the agreed return time; start resonance breathing, 15 minutes a day.",
        ["time_out_practice", "co_regulation_breathing"],
    ),
    (
        "Practised paced breathing together in session; heart rates came down within minutes.",
        "Co-regulation is easier in the room than at home in the evenings.",
        "Breathe together twice this week, before the evening meal.",
        ["co_regulation_breathing", "grounding"],
    ),
    (
        "Talked through a hard week at work and how it spilled into the relationship.",
        "Each reached for the other rather than withdrawing; a repair attempt was accepted.",
        "Name one appreciation a day; keep logging practice.",
        ["attachment_reframing"],
    ),
    (
        "Explored what the withdrawing partner feels before shutting down: shame, not anger.",
        "Softer start-ups on both sides; the pursuing partner listened without interrupting.",
        "Write down the fear under the shutdown and bring it next week.",
        ["attachment_reframing", "psychoeducation"],
    ),
    (
        "Grounding when a discussion of money escalated in session (5-4-3-2-1).",
        "Recovery took about ten minutes; both stayed in the room.",
        "Use grounding at the first sign of flooding; time-out if it does not help.",
        ["grounding", "time_out_practice"],
    ),
)


@dataclass(frozen=True)
class HistorySize:
    days: int
    sessions: int
    rounds: int
    instruments: tuple[str, ...] = DEFAULT_INSTRUMENTS


YEAR = HistorySize(days=364, sessions=52, rounds=12)
MONTH = HistorySize(days=30, sessions=4, rounds=1)


def _answers(instrument, rng: random.Random, progress: float) -> dict[int, int]:
    """Answers that drift toward the healthy end of each item's scale as `progress` goes 0 -> 1."""
    answers = {}
    reverse = instrument.reverse_keyed.items if instrument.reverse_keyed else frozenset()
    for item in instrument.items:
        if not item.scored:
            continue
        values = sorted(o.value for o in item.scale.options)
        worse_high = instrument.direction != "higher_is_better"
        if item.number in reverse:
            worse_high = not worse_high
        level = (1 - progress) * 0.8 + rng.random() * 0.3
        level = min(max(level, 0.0), 1.0)
        index = (
            round(level * (len(values) - 1))
            if worse_high
            else round((1 - level) * (len(values) - 1))
        )
        answers[item.number] = values[index]
    if instrument.code == "phq9":
        answers[9] = 0  # keep the synthetic history free of risk alerts
    return answers


def build_history(
    *,
    couple: Couple,
    therapist: User,
    start: date,
    size: HistorySize,
    seed: int = 0,
    session_hour: int = 10,
    first_session: datetime | None = None,
) -> None:
    """Write `size` worth of history for `couple` starting on `start` (clinic-local dates), its
    weekly sessions at `session_hour` (a therapist's couples each have their own hour) or, given
    `first_session`, weekly from that moment (a couple's own weekday and time).

    Every entry is written as if logged when it happened (its `created_at`), so the portal's
    24-hour correction window has long closed on it, as it would have."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    clinic, tz = couple.clinic, couple.clinic.tz
    partners = (couple.partner_a, couple.partner_b)

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=tz)

    first = first_session or at(start, session_hour)
    sessions, notes = [], []
    for n in range(size.sessions):
        starts_at = first + timedelta(days=7 * n)
        individual = n % 10 == 9
        partner = partners[(n // 10) % 2] if individual else None
        status = SessionStatus.HELD
        if n % 13 == 5:
            status = SessionStatus.CANCELLED
        elif n % 17 == 8:
            status = SessionStatus.NO_SHOW
        session = TherapySession(
            id=uuid.uuid4(),
            clinic=clinic,
            couple=couple,
            therapist=therapist,
            starts_at=starts_at,
            kind=SessionKind.INDIVIDUAL if individual else SessionKind.JOINT,
            partner=partner,
            status=status,
            status_reason={
                SessionStatus.CANCELLED: "Cancelled the day before: illness",
                SessionStatus.NO_SHOW: "Did not come; no message",
            }.get(status, ""),
            partner_a_attended=True if status == SessionStatus.HELD else None,
            partner_b_attended=(not individual) if status == SessionStatus.HELD else None,
        )
        sessions.append(session)
        if status == SessionStatus.HELD:
            data, assessment, plan, interventions = NOTE_WEEKS[n % len(NOTE_WEEKS)]
            if individual:
                data = "Individual session: the partner's own history of conflict at home."
                interventions = ["psychoeducation"]
            notes.append(
                SessionNote(
                    id=uuid.uuid4(),
                    clinic=clinic,
                    session=session,
                    author=therapist,
                    template=NoteTemplate.DAP,
                    sections={"data": data, "assessment": assessment, "plan": plan},
                    partner_a_zone="within",
                    partner_a_intensity=rng.randint(2, 6),
                    partner_b_zone="hyper" if n % 3 == 0 else "within",
                    partner_b_intensity=rng.randint(2, 7),
                    interventions=interventions,
                    risk_level=RiskLevel.NONE,  # signed notes always answer it
                    state=NoteState.SIGNED,
                    signed_at=starts_at + timedelta(hours=2),
                    signed_by=therapist,
                )
            )
    TherapySession.objects.bulk_create(sessions)
    SessionNote.objects.bulk_create(notes)
    if notes:
        NoteAddendum.objects.bulk_create(
            [
                NoteAddendum(
                    clinic=clinic,
                    note=notes[0],
                    author=therapist,
                    text="Corrected: session started at 10:15.",
                )
            ]
        )

    assignments, responses = [], []
    every = max(1, size.days // max(size.rounds, 1) // 7)
    for code in size.instruments:
        instrument = get_instrument(code)
        for p_index, partner in enumerate(partners):
            assignment = Assignment(
                id=uuid.uuid4(),
                clinic=clinic,
                couple=couple,
                partner=partner,
                instrument_code=code,
                instrument_version=instrument.version,
                first_due_on=start,
                repeat_every_weeks=every,
                repeat_until=start + timedelta(days=size.days),
                created_by=therapist,
            )
            assignments.append(assignment)
            for r in range(size.rounds):
                due = start + timedelta(weeks=every * r)
                answers = _answers(
                    instrument,
                    rng,
                    progress=r / max(size.rounds - 1, 1) * (0.9 if p_index else 0.6),
                )
                submitted = at(due, 20, p_index * 10)
                responses.append(
                    Response(
                        clinic=clinic,
                        couple=couple,
                        partner=partner,
                        assignment=assignment,
                        instrument_code=code,
                        instrument_version=instrument.version,
                        opens_on=due,
                        due_on=due,
                        status=ResponseStatus.SUBMITTED,
                        answers={str(k): v for k, v in answers.items()},
                        scores=score(instrument, answers).to_dict(),
                        started_at=submitted,
                        saved_at=submitted,
                        submitted_at=submitted,
                        submitted_by=partner.portal_user,
                    )
                )
    Assignment.objects.bulk_create(assignments)
    Response.objects.bulk_create(responses)

    breathing = Homework(
        id=uuid.uuid4(),
        clinic=clinic,
        couple=couple,
        kind=HomeworkKind.PRACTICE,
        title="Resonance breathing",
        start_date=start,
        target_per_week=5,
        technique="resonance",
        breaths_per_minute=6,
        minutes=15,
        instructions="Breathe in for five seconds and out for five seconds.",
        created_by=therapist,
    )
    time_out = Homework(
        id=uuid.uuid4(),
        clinic=clinic,
        couple=couple,
        kind=HomeworkKind.TIME_OUT,
        title="Time-out agreement",
        start_date=start,
        created_by=therapist,
    )
    Homework.objects.bulk_create([breathing, time_out])
    agreement = AgreementVersion.objects.bulk_create(
        [
            AgreementVersion(
                clinic=clinic,
                homework=time_out,
                number=1,
                signal="'Pause' with a hand on the heart",
                min_break_minutes=20,
                max_break_minutes=120,
                heart_rate_cue=100,
                calm_plan_a="Walk around the block, then breathe slowly.",
                calm_plan_b="Music with headphones in the bedroom.",
                reconvene_plan="The partner who called it names a return time; meet at the kitchen table.",
                agree_not_to="Follow each other, send messages, or drive off.",
                created_by=therapist,
            )
        ]
    )[0]
    # Both partners accept the agreement on its first evening: time-outs are logged only after.
    AgreementResponse.objects.bulk_create(
        [
            AgreementResponse(
                clinic=clinic,
                version=agreement,
                partner=partner,
                decision=AgreementDecision.ACCEPTED,
                by=partner.portal_user,
                at=at(start, 20, 30 + 10 * p_index),
            )
            for p_index, partner in enumerate(partners)
        ]
    )

    check_ins, practice, time_outs, readings = [], [], [], []
    zones = ("within", "within", "within", "hyper", "hypo")
    for d in range(size.days):
        day = start + timedelta(days=d)
        for p_index, partner in enumerate(partners):
            zone = rng.choice(zones)
            check_ins.append(
                CheckIn(
                    clinic=clinic,
                    couple=couple,
                    partner=partner,
                    author=partner.portal_user,
                    checked_at=at(day, 21),
                    created_at=at(day, 21),
                    zone=zone,
                    intensity=rng.randint(3, 7) if zone != "within" else rng.randint(0, 4),
                )
            )
            practice.append(
                PracticeLog(
                    clinic=clinic,
                    couple=couple,
                    partner=partner,
                    author=partner.portal_user,
                    homework=breathing,
                    practiced_at=at(day, 7, 30),
                    created_at=at(day, 7, 45),
                    minutes=15,
                    before_zone="hyper" if d % 4 == 0 else "within",
                    before_intensity=rng.randint(4, 8),
                    after_zone="within",
                    after_intensity=rng.randint(1, 4),
                )
            )
            if d % 7 == 0 and p_index == 0:
                readings.append(
                    Measurement(
                        clinic=clinic,
                        couple=couple,
                        partner=partner,
                        kind="hrv_rmssd",
                        value=round(rng.uniform(28, 60), 1),
                        unit="ms",
                        measured_at=at(day, 7),
                        created_at=at(day, 7, 5),
                        context={"recording_length_s": 300, "device": "chest strap"},
                        source="manual",
                    )
                )
        if d % 9 == 4:
            caller = partners[d % 2]
            time_outs.append(
                TimeOutLog(
                    clinic=clinic,
                    couple=couple,
                    partner=caller,
                    author=caller.portal_user,
                    homework=time_out,
                    started_at=at(day, 19),
                    created_at=at(day, 20),
                    called_by=caller,
                    minutes_apart=rng.randint(20, 90),
                    reconvened=d % 5 != 0,
                    intensity=rng.randint(5, 9),
                )
            )
    CheckIn.objects.bulk_create(check_ins, batch_size=2000)
    PracticeLog.objects.bulk_create(practice, batch_size=2000)
    TimeOutLog.objects.bulk_create(time_outs)
    Measurement.objects.bulk_create(readings)
