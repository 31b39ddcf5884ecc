"""Bulk-built clinics for the HTTP benchmarks: clinics whose couples each carry a month of
history (sessions with signed notes, a questionnaire round with one questionnaire left overdue,
homework with a time-out agreement, daily check-ins and practice logs, time-outs, readings).

Rows for many couples are built in memory as model instances and written with one COPY per
table (`reports.synthetic.build_history` writes per couple, about 0.4 s a couple: too slow for
20,000). A few couples carry what the caseload must surface: a partner asking to discuss the
agreement, an unacknowledged risk alert.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, models

from assessments.models import Assignment, Response, ResponseStatus, RiskAlert
from assessments.scoring import get_instrument, score
from clinic.models import Client, Clinic, Couple, CoupleStatus, Membership, Role, User
from sessions.models import (
    AgreementResponse,
    AgreementVersion,
    CheckIn,
    Homework,
    HomeworkKind,
    Measurement,
    NoteState,
    NoteTemplate,
    PracticeLog,
    SessionKind,
    SessionNote,
    SessionStatus,
    TherapySession,
    TimeOutLog,
)

#: bench users never log in with a password (the bench logs them in directly)
NO_PASSWORD = make_password(None)
INSTRUMENTS = ("phq9", "gad7", "csi16", "ecrs")
FIRST = ("Ava", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea")
LAST = ("Okafor", "Brennan", "Castillo", "Dubois", "Eriksen", "Fischer", "Gupta", "Haddad")


def copy_rows(model: type[models.Model], objects: list) -> None:
    """Write model instances with one COPY (no per-row INSERT, no per-row Python save())."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.auto_created)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )
    for obj in objects:  # saved now: a later save() must UPDATE, not INSERT again
        obj._state.adding = False
        obj._state.db = connection.alias


@dataclass
class Rows:
    """Instances per model, written in dependency order."""

    by_model: dict = field(default_factory=lambda: defaultdict(list))

    def add(self, obj) -> None:
        self.by_model[type(obj)].append(obj)

    def write(self) -> int:
        order = [
            User,
            Membership,
            Client,
            Couple,
            Couple.therapists.through,
            TherapySession,
            SessionNote,
            Assignment,
            Response,
            RiskAlert,
            Homework,
            AgreementVersion,
            AgreementResponse,
            CheckIn,
            PracticeLog,
            TimeOutLog,
            Measurement,
        ]
        written = 0
        for model in order:
            objects = self.by_model.pop(model, [])
            copy_rows(model, objects)
            written += len(objects)
        if self.by_model:
            raise RuntimeError(f"no place in the write order for {list(self.by_model)}")
        return written


class ScoreCache:
    """Scores depend only on the answers: compute each distinct set once."""

    def __init__(self) -> None:
        self._cache: dict = {}

    def __call__(self, code: str, answers: dict[int, int]) -> dict:
        key = (code, tuple(sorted(answers.items())))
        if key not in self._cache:
            self._cache[key] = score(get_instrument(code), answers).to_dict()
        return self._cache[key]


def _answers(code: str, rng: random.Random) -> dict[int, int]:
    instrument = get_instrument(code)
    answers = {}
    for item in instrument.items:
        if item.scored:
            values = sorted(o.value for o in item.scale.options)
            answers[item.number] = values[rng.randrange(len(values))]
    if code == "phq9":
        answers[9] = 0  # risk alerts are added on purpose, below, not by chance
    return answers


@dataclass(frozen=True)
class BuiltClinic:
    clinic: Clinic
    admin: User
    therapists: list[User]
    couples: list[Couple]


def add_clinic(
    rows: Rows,
    *,
    slug: str,
    couples: int,
    today: date,
    rng: random.Random,
    scores: ScoreCache,
    portal_users: int = 1,
) -> BuiltClinic:
    """A clinic with an admin, three therapists and `couples` couples with a month each.
    The clinic row itself is saved at once (its id is referenced by everything else)."""
    clinic = Clinic.objects.create(name=f"Clinic {slug}", slug=slug, time_zone="Europe/London")
    tz = clinic.tz
    admin = User(email=f"admin@{slug}.example", full_name=f"Admin {slug}", password=NO_PASSWORD)
    rows.add(admin)
    rows.add(Membership(clinic=clinic, user=admin, role=Role.ADMIN))
    therapists = []
    for t in range(3):
        user = User(
            email=f"t{t}@{slug}.example", full_name=f"Therapist {t} {slug}", password=NO_PASSWORD
        )
        therapists.append(user)
        rows.add(user)
        rows.add(Membership(clinic=clinic, user=user, role=Role.THERAPIST))

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=tz)

    start = today - timedelta(days=30)
    built = []
    statuses = [CoupleStatus.ACTIVE] * 6 + [CoupleStatus.INTAKE, CoupleStatus.PAUSED]
    for n in range(couples):
        partners = []
        for p in range(2):
            portal = None
            if n < portal_users:
                portal = User(email=f"p{n}{p}@{slug}.example", full_name="", password=NO_PASSWORD)
                rows.add(portal)
            partner = Client(
                id=uuid.uuid4(),
                clinic=clinic,
                legal_name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}{'ab'[p]}",
                pronouns=rng.choice(("she/her", "he/him", "they/them")),
                portal_user=portal,
            )
            partners.append(partner)
            rows.add(partner)
        therapist = therapists[n % len(therapists)]
        couple = Couple(
            id=uuid.uuid4(),
            clinic=clinic,
            partner_a=partners[0],
            partner_b=partners[1],
            status=statuses[n % len(statuses)],
            intake_date=start,
            start_date=start,
            presenting_concerns="Escalating conflict; one partner withdraws when flooded.",
        )
        rows.add(couple)
        rows.add(Couple.therapists.through(couple=couple, user=therapist))
        built.append(couple)
        _add_history(rows, couple, partners, therapist, start, n, rng, scores, at)
    return BuiltClinic(clinic, admin, therapists, built)


def _add_history(rows, couple, partners, therapist, start, n, rng, scores, at) -> None:
    clinic = couple.clinic
    for week in range(5):  # four held, the fifth still to come
        day = start + timedelta(days=2 + 7 * week)
        held = week < 4
        session = TherapySession(
            id=uuid.uuid4(),
            clinic=clinic,
            couple=couple,
            therapist=therapist,
            starts_at=at(day, 10 + n % 8),
            kind=SessionKind.JOINT,
            status=SessionStatus.HELD if held else SessionStatus.SCHEDULED,
            partner_a_attended=True if held else None,
            partner_b_attended=True if held else None,
        )
        rows.add(session)
        if held:
            rows.add(
                SessionNote(
                    id=uuid.uuid4(),
                    clinic=clinic,
                    session=session,
                    author=therapist,
                    template=NoteTemplate.DAP,
                    sections={
                        "data": f"Week {week + 1}: practised pausing when flooded.",
                        "assessment": "Both partners able to name their zone.",
                        "plan": "Continue resonance breathing daily.",
                    },
                    partner_a_zone="within",
                    partner_b_zone="hyper" if week % 2 else "within",
                    state=NoteState.SIGNED,
                    signed_at=at(day, 12),
                    signed_by=therapist,
                )
            )
    first_response = None
    for code in INSTRUMENTS:
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
                repeat_every_weeks=4,
                created_by=therapist,
            )
            rows.add(assignment)
            answers = _answers(code, rng)
            submitted = at(start, 20, p_index * 10)
            response = Response(
                id=uuid.uuid4(),
                clinic=clinic,
                couple=couple,
                partner=partner,
                assignment=assignment,
                instrument_code=code,
                instrument_version=instrument.version,
                opens_on=start,
                due_on=start,
                status=ResponseStatus.SUBMITTED,
                answers={str(k): v for k, v in answers.items()},
                scores=scores(code, answers),
                started_at=submitted,
                saved_at=submitted,
                submitted_at=submitted,
            )
            rows.add(response)
            first_response = first_response or response
            if code == "phq9" and p_index == 0:
                # The second round, due two days ago and not yet answered: overdue.
                due = start + timedelta(days=28)
                rows.add(
                    Response(
                        id=uuid.uuid4(),
                        clinic=clinic,
                        couple=couple,
                        partner=partner,
                        assignment=assignment,
                        instrument_code=code,
                        instrument_version=instrument.version,
                        opens_on=due,
                        due_on=due,
                        status=ResponseStatus.PENDING,
                    )
                )
    if n % 50 == 7:
        rows.add(
            RiskAlert(
                clinic=clinic,
                couple=couple,
                partner=partners[0],
                response=first_response,
                item_number=9,
                value=1,
                severity="high",
                message="PHQ-9 item 9 answered above zero.",
            )
        )
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
    rows.add(breathing)
    rows.add(time_out)
    version = AgreementVersion(
        clinic=clinic,
        homework=time_out,
        number=1,
        signal="'Pause' with a hand on the heart",
        min_break_minutes=20,
        max_break_minutes=120,
        calm_plan_a="Walk around the block, then breathe slowly.",
        calm_plan_b="Music with headphones in the bedroom.",
        reconvene_plan="The partner who called it names a return time.",
        created_by=therapist,
        created_at=at(start, 11),
    )
    rows.add(version)
    for p_index, partner in enumerate(partners):
        discuss = n % 20 == 3 and p_index == 1
        rows.add(
            AgreementResponse(
                clinic=clinic,
                version=version,
                partner=partner,
                decision="discuss" if discuss else "accepted",
                note="Can we talk about the return time?" if discuss else "",
                at=at(start + timedelta(days=1), 20, p_index),
            )
        )
    zones = ("within", "within", "within", "hyper", "hypo")
    for d in range(30):
        day = start + timedelta(days=d)
        for partner in partners:
            zone = rng.choice(zones)
            rows.add(
                CheckIn(
                    clinic=clinic,
                    couple=couple,
                    partner=partner,
                    checked_at=at(day, 21),
                    zone=zone,
                    intensity=rng.randint(0, 10) if zone != "within" else rng.randint(0, 4),
                )
            )
            rows.add(
                PracticeLog(
                    clinic=clinic,
                    couple=couple,
                    partner=partner,
                    homework=breathing,
                    practiced_at=at(day, 7, 30),
                    minutes=15,
                    before_zone="hyper" if d % 4 == 0 else "within",
                    before_intensity=rng.randint(4, 8),
                    after_zone="within",
                    after_intensity=rng.randint(1, 4),
                )
            )
        if d % 9 == 4:
            caller = partners[d % 2]
            rows.add(
                TimeOutLog(
                    clinic=clinic,
                    couple=couple,
                    partner=caller,
                    homework=time_out,
                    started_at=at(day, 19),
                    called_by=caller,
                    minutes_apart=rng.randint(20, 90),
                    reconvened=True,
                    intensity=rng.randint(5, 9),
                )
            )
        if d % 7 == 0:
            rows.add(
                Measurement(
                    clinic=clinic,
                    couple=couple,
                    partner=partners[0],
                    kind="hrv_rmssd",
                    value=round(rng.uniform(28, 60), 1),
                    unit="ms",
                    measured_at=at(day, 7),
                    context={"recording_length_s": 300},
                    source="manual",
                )
            )


def analyze() -> None:
    """Fresh planner statistics after a bulk load (autovacuum would take its time)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
