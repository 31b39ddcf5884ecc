"""Bulk-built clinics for the HTTP benchmarks: clinics whose couples each carry a month of
history (sessions with signed notes, a questionnaire round with one questionnaire left overdue,
homework with a time-out agreement, daily check-ins and practice logs, time-outs, readings).

Rows for many couples are built in memory as tuples and written with one COPY per table (`reports.synthetic.build_history` writes per couple, about 0.4 s a couple: too slow for
20,000). A few couples carry what the caseload must surface: a partner asking to discuss the
agreement, an unacknowledged risk alert.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb

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


class Table:
    """Rows of one model as tuples in column order, written with one COPY.

    No model instances: at millions of rows, Model.__init__ and per-field get_db_prep_save
    cost more than the database does. Values are given by attname (`couple_id=...`) in the
    form the database takes; a field left out gets its default (auto_now fields: the build's
    start), JSON fields are wrapped for psycopg.
    """

    def __init__(self, model: type[models.Model], now: datetime) -> None:
        self.model = model
        self.fields = [
            f for f in model._meta.concrete_fields if not (f.primary_key and f.auto_created)
        ]
        self.attnames = [f.attname for f in self.fields]
        self.makers = []
        for f in self.fields:
            if (
                getattr(f, "auto_now", False)
                or getattr(f, "auto_now_add", False)
                or f.default is timezone.now
            ):
                self.makers.append(lambda now=now: now)
            else:
                self.makers.append(f._get_default)
        self.json = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
        self.rows: list[list] = []

    def add(self, values: dict) -> None:
        row = [
            values[name] if name in values else make()
            for name, make in zip(self.attnames, self.makers, strict=True)
        ]
        for i in self.json:
            row[i] = Jsonb(row[i])
        self.rows.append(row)

    def write(self) -> int:
        if not self.rows:
            return 0
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
        written, self.rows = len(self.rows), []
        return written


#: parents before children: the order COPY must follow for the foreign keys
WRITE_ORDER = (
    Clinic,
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
)


class Rows:
    """Rows for many clinics, held per table until `write()`."""

    def __init__(self) -> None:
        self.now = timezone.now()
        self.tables = {model: Table(model, self.now) for model in WRITE_ORDER}

    def add(self, model: type[models.Model], **values) -> uuid.UUID | None:
        """Queue one row; returns its id (given, or a new UUID for a UUID primary key)."""
        pk = model._meta.pk
        if not pk.auto_created and pk.attname not in values:
            values[pk.attname] = uuid.uuid4()
        self.tables[model].add(values)
        return values.get(pk.attname)

    def write(self) -> int:
        return sum(self.tables[model].write() for model in WRITE_ORDER)


class ScoreCache:
    """Answers drawn from a small pool per instrument, each pool entry scored once: scoring is
    the slowest part of building a response, and 20,000 couples need 160,000 of them."""

    POOL = 24

    def __init__(self) -> None:
        self._pool: dict = {}

    def answers_and_scores(self, code: str, rng: random.Random) -> tuple[dict, dict]:
        if code not in self._pool:
            self._pool[code] = [
                (answers, score(get_instrument(code), answers).to_dict())
                for answers in (_answers(code, rng) for _ in range(self.POOL))
            ]
        answers, scores = rng.choice(self._pool[code])
        return {str(k): v for k, v in answers.items()}, scores


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
    clinic_id: uuid.UUID
    slug: str
    admin_id: uuid.UUID
    couple_ids: list[uuid.UUID]
    portal_user_ids: list[uuid.UUID]


ZONE = "Europe/London"


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
    """A clinic with an admin, three therapists and `couples` couples with a month each
    (queued in `rows`; nothing is written until rows.write())."""
    tz = ZoneInfo(ZONE)
    clinic = rows.add(Clinic, name=f"Clinic {slug}", slug=slug, time_zone=ZONE)
    admin = rows.add(
        User, email=f"admin@{slug}.example", full_name=f"Admin {slug}", password=NO_PASSWORD
    )
    rows.add(Membership, clinic_id=clinic, user_id=admin, role=Role.ADMIN)
    therapists = []
    for t in range(3):
        user = rows.add(
            User,
            email=f"t{t}@{slug}.example",
            full_name=f"Therapist {t} {slug}",
            password=NO_PASSWORD,
        )
        therapists.append(user)
        rows.add(Membership, clinic_id=clinic, user_id=user, role=Role.THERAPIST)

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=tz)

    start = today - timedelta(days=30)
    couple_ids, portal_ids = [], []
    statuses = [CoupleStatus.ACTIVE] * 6 + [CoupleStatus.INTAKE, CoupleStatus.PAUSED]
    for n in range(couples):
        partners = []
        for p in range(2):
            portal = None
            if n < portal_users:
                portal = rows.add(
                    User, email=f"p{n}{p}@{slug}.example", full_name="", password=NO_PASSWORD
                )
                portal_ids.append(portal)
            partners.append(
                rows.add(
                    Client,
                    clinic_id=clinic,
                    legal_name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}{'ab'[p]}",
                    pronouns=rng.choice(("she/her", "he/him", "they/them")),
                    portal_user_id=portal,
                )
            )
        therapist = therapists[n % len(therapists)]
        couple = rows.add(
            Couple,
            clinic_id=clinic,
            partner_a_id=partners[0],
            partner_b_id=partners[1],
            status=statuses[n % len(statuses)],
            intake_date=start,
            start_date=start,
            presenting_concerns="Escalating conflict; one partner withdraws when flooded.",
            # Distinct creation times, so "newest first" is a real order.
            created_at=rows.now - timedelta(seconds=couples - n),
        )
        rows.add(
            Couple.therapists.through, clinic_id=clinic, couple_id=couple, therapist_id=therapist
        )
        couple_ids.append(couple)
        _add_history(rows, clinic, couple, partners, therapist, start, n, rng, scores, at)
    return BuiltClinic(clinic, slug, admin, couple_ids, portal_ids)


def _add_history(rows, clinic, couple, partners, therapist, start, n, rng, scores, at) -> None:
    mine = {"clinic_id": clinic, "couple_id": couple}
    for week in range(5):  # four held, the fifth still to come
        day = start + timedelta(days=2 + 7 * week)
        held = week < 4
        session = rows.add(
            TherapySession,
            **mine,
            therapist_id=therapist,
            starts_at=at(day, 10 + n % 8),
            kind=SessionKind.JOINT,
            status=SessionStatus.HELD if held else SessionStatus.SCHEDULED,
            partner_a_attended=True if held else None,
            partner_b_attended=True if held else None,
        )
        if held:
            rows.add(
                SessionNote,
                clinic_id=clinic,
                session_id=session,
                author_id=therapist,
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
                signed_by_id=therapist,
            )
    first_response = None
    for code in INSTRUMENTS:
        version = get_instrument(code).version
        for p_index, partner in enumerate(partners):
            assignment = rows.add(
                Assignment,
                **mine,
                partner_id=partner,
                instrument_code=code,
                instrument_version=version,
                first_due_on=start,
                repeat_every_weeks=4,
                created_by_id=therapist,
            )
            answers, scored = scores.answers_and_scores(code, rng)
            submitted = at(start, 20, p_index * 10)
            response = rows.add(
                Response,
                **mine,
                partner_id=partner,
                assignment_id=assignment,
                instrument_code=code,
                instrument_version=version,
                opens_on=start,
                due_on=start,
                status=ResponseStatus.SUBMITTED,
                answers=answers,
                scores=scored,
                started_at=submitted,
                saved_at=submitted,
                submitted_at=submitted,
            )
            first_response = first_response or response
            if code == "phq9" and p_index == 0:
                # The second round, due two days ago and not yet answered: overdue.
                due = start + timedelta(days=28)
                rows.add(
                    Response,
                    **mine,
                    partner_id=partner,
                    assignment_id=assignment,
                    instrument_code=code,
                    instrument_version=version,
                    opens_on=due,
                    due_on=due,
                    status=ResponseStatus.PENDING,
                )
    if n % 50 == 7:
        rows.add(
            RiskAlert,
            **mine,
            partner_id=partners[0],
            response_id=first_response,
            item_number=9,
            value=1,
            severity="high",
            message="PHQ-9 item 9 answered above zero.",
        )
    breathing = rows.add(
        Homework,
        **mine,
        kind=HomeworkKind.PRACTICE,
        title="Resonance breathing",
        start_date=start,
        target_per_week=5,
        technique="resonance",
        breaths_per_minute=6,
        minutes=15,
        created_by_id=therapist,
    )
    time_out = rows.add(
        Homework,
        **mine,
        kind=HomeworkKind.TIME_OUT,
        title="Time-out agreement",
        start_date=start,
        created_by_id=therapist,
    )
    version = rows.add(
        AgreementVersion,
        clinic_id=clinic,
        homework_id=time_out,
        number=1,
        signal="'Pause' with a hand on the heart",
        min_break_minutes=20,
        max_break_minutes=120,
        calm_plan_a="Walk around the block, then breathe slowly.",
        calm_plan_b="Music with headphones in the bedroom.",
        reconvene_plan="The partner who called it names a return time.",
        created_by_id=therapist,
        created_at=at(start, 11),
    )
    for p_index, partner in enumerate(partners):
        discuss = n % 20 == 3 and p_index == 1
        rows.add(
            AgreementResponse,
            clinic_id=clinic,
            version_id=version,
            partner_id=partner,
            decision="discuss" if discuss else "accepted",
            note="Can we talk about the return time?" if discuss else "",
            at=at(start + timedelta(days=1), 20, p_index),
        )
    zones = ("within", "within", "within", "hyper", "hypo")
    for d in range(30):
        day = start + timedelta(days=d)
        for partner in partners:
            zone = rng.choice(zones)
            rows.add(
                CheckIn,
                **mine,
                partner_id=partner,
                checked_at=at(day, 21),
                zone=zone,
                intensity=rng.randint(0, 10) if zone != "within" else rng.randint(0, 4),
            )
            rows.add(
                PracticeLog,
                **mine,
                partner_id=partner,
                homework_id=breathing,
                practiced_at=at(day, 7, 30),
                minutes=15,
                before_zone="hyper" if d % 4 == 0 else "within",
                before_intensity=rng.randint(4, 8),
                after_zone="within",
                after_intensity=rng.randint(1, 4),
            )
        if d % 9 == 4:
            caller = partners[d % 2]
            rows.add(
                TimeOutLog,
                **mine,
                partner_id=caller,
                homework_id=time_out,
                started_at=at(day, 19),
                called_by_id=caller,
                minutes_apart=rng.randint(20, 90),
                reconvened=True,
                intensity=rng.randint(5, 9),
            )
        if d % 7 == 0:
            rows.add(
                Measurement,
                **mine,
                partner_id=partners[0],
                kind="hrv_rmssd",
                value=round(rng.uniform(28, 60), 1),
                unit="ms",
                measured_at=at(day, 7),
                context={"recording_length_s": 300},
                source="manual",
            )


def analyze() -> None:
    """Fresh planner statistics after a bulk load (autovacuum would take its time)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
