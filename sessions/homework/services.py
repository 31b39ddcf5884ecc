"""Writes with rules for homework: give it, change it, end or archive it, revise a time-out
agreement (a new version) and record a partner's answer to it. Each service checks the
rules, writes its audit event in the same transaction, and raises ValidationError({field: msg}).
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import record_event
from clinic.models import Client, Couple, User
from sessions.homework import presets
from sessions.homework.adherence import MAX_TARGET_PER_WEEK
from sessions.models import (
    AgreementDecision,
    AgreementResponse,
    AgreementVersion,
    Homework,
    HomeworkKind,
)

CUSTOM_TECHNIQUE = "custom"
TERM_FIELDS = (
    "signal",
    "min_break_minutes",
    "max_break_minutes",
    "heart_rate_cue",
    "calm_plan_a",
    "calm_plan_b",
    "reconvene_plan",
    "agree_not_to",
)
# Fields a therapist may change in place; a time-out agreement's terms change by new version.
UPDATABLE_FIELDS = (
    "title",
    "end_date",
    "target_per_week",
    "breaths_per_minute",
    "cycles",
    "minutes",
    "instructions",
)


class AgreementChanged(Exception):
    """The partner answered a version that is no longer the latest (the API answers 409)."""

    def __init__(self, current: int) -> None:
        super().__init__(f"The agreement changed; the latest version is {current}.")
        self.current = current


@dataclass(frozen=True)
class PracticeTerms:
    technique: str
    breaths_per_minute: float | None
    cycles: int | None
    minutes: int | None
    instructions: str
    title: str


def _check_couple_open(couple: Couple) -> None:
    if couple.archived_at is not None:
        raise ValidationError("This couple's case is archived; it can no longer be changed.")


def check_partner_of(couple: Couple, partner: Client | None, field: str = "partner") -> None:
    """ValidationError unless `partner` is None or one of the couple's two partners."""
    if partner is not None and partner.pk not in (couple.partner_a_id, couple.partner_b_id):
        raise ValidationError({field: "This person is not a partner in this couple."})


def _check_dates(start_date: date, end_date: date | None) -> None:
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": "The end date is before the start date."})


def _check_target(target: int | None) -> None:
    if target is not None and not 1 <= target <= MAX_TARGET_PER_WEEK:
        raise ValidationError(
            {"target_per_week": f"The weekly target must be 1 to {MAX_TARGET_PER_WEEK}."}
        )


def _homework_error(exc: presets.HomeworkError) -> ValidationError:
    return ValidationError({exc.field: exc.message})


def practice_terms(
    *,
    technique: str,
    title: str = "",
    breaths_per_minute: float | None = None,
    cycles: int | None = None,
    minutes: int | None = None,
    instructions: str = "",
) -> PracticeTerms:
    """A practice from a preset (its defaults fill what is left empty) or a custom practice
    (title and instructions required); rates 3-10 breaths/min, 1-60 minutes."""
    if technique == CUSTOM_TECHNIQUE:
        errors = {}
        if not title.strip():
            errors["title"] = "Name the custom practice."
        if not instructions.strip():
            errors["instructions"] = "Describe how to do the custom practice."
        if breaths_per_minute is not None and not (
            presets.PACED_RATE_MIN <= breaths_per_minute <= presets.PACED_RATE_MAX
        ):
            errors["breaths_per_minute"] = (
                f"A paced breathing rate must be {presets.PACED_RATE_MIN:g} to "
                f"{presets.PACED_RATE_MAX:g} breaths a minute."
            )
        if minutes is not None and not (
            presets.PRACTICE_MINUTES_MIN <= minutes <= presets.PRACTICE_MINUTES_MAX
        ):
            errors["minutes"] = (
                f"A practice lasts {presets.PRACTICE_MINUTES_MIN} to "
                f"{presets.PRACTICE_MINUTES_MAX} minutes."
            )
        if errors:
            raise ValidationError(errors)
        return PracticeTerms(
            CUSTOM_TECHNIQUE, breaths_per_minute, cycles, minutes, instructions, title
        )
    try:
        plan = presets.validate_practice(technique, breaths_per_minute, minutes)
    except presets.HomeworkError as exc:
        raise _homework_error(exc) from None
    preset = presets.PRESET_BY_CODE[plan.technique]
    return PracticeTerms(
        technique=plan.technique,
        breaths_per_minute=plan.breaths_per_minute,
        cycles=cycles if cycles is not None else preset.cycles,
        minutes=plan.minutes,
        instructions=instructions.strip() or preset.instructions,
        title=title.strip() or preset.name,
    )


def _or_default(value, default):
    return default if value is None else value


def _clean_terms(couple: Couple, terms: dict) -> dict:
    unknown = set(terms) - set(TERM_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "Not a term of a time-out agreement."})
    clean = {
        "signal": str(terms.get("signal") or "").strip(),
        "min_break_minutes": _or_default(
            terms.get("min_break_minutes"), presets.TIMEOUT_DEFAULTS.min_break_minutes
        ),
        "max_break_minutes": _or_default(
            terms.get("max_break_minutes"), presets.TIMEOUT_DEFAULTS.max_break_minutes
        ),
        "heart_rate_cue": terms.get("heart_rate_cue"),
        "calm_plan_a": str(terms.get("calm_plan_a") or "").strip(),
        "calm_plan_b": str(terms.get("calm_plan_b") or "").strip(),
        "reconvene_plan": str(terms.get("reconvene_plan") or "").strip(),
        "agree_not_to": str(terms.get("agree_not_to") or "").strip(),
    }
    errors = {}
    if not clean["signal"]:
        errors["signal"] = "Name the word or gesture either of you may use to call a time-out."
    for field, partner in (("calm_plan_a", couple.partner_a), ("calm_plan_b", couple.partner_b)):
        if not clean[field]:
            errors[field] = f"Say what {partner.display_name} will do to calm down."
    if not clean["reconvene_plan"]:
        errors["reconvene_plan"] = "Say when and how you will come back together."
    if errors:
        raise ValidationError(errors)
    try:
        presets.validate_timeout_terms(
            clean["min_break_minutes"], clean["max_break_minutes"], clean["heart_rate_cue"]
        )
    except presets.HomeworkError as exc:
        raise _homework_error(exc) from None
    return clean


@transaction.atomic
def homework_create(
    *,
    couple: Couple,
    by: User,
    kind: str,
    start_date: date,
    title: str = "",
    end_date: date | None = None,
    partner: Client | None = None,
    target_per_week: int | None = None,
    technique: str = "",
    breaths_per_minute: float | None = None,
    cycles: int | None = None,
    minutes: int | None = None,
    instructions: str = "",
    terms: dict | None = None,
    request=None,
) -> Homework:
    """Give homework to the couple (partner None) or one partner.

    A time-out agreement is always the couple's, and its `terms` become version 1, which
    both partners must accept before it is in force. A practice takes a preset `technique`
    (defaults fill the gaps) or "custom"; "other" is a free-form task in `instructions`.
    """
    _check_couple_open(couple)
    check_partner_of(couple, partner)
    _check_dates(start_date, end_date)
    _check_target(target_per_week)
    fields: dict = {"title": title.strip(), "instructions": instructions.strip()}
    if kind == HomeworkKind.TIME_OUT:
        if partner is not None:
            raise ValidationError(
                {"partner": "A time-out agreement is for both partners; leave partner empty."}
            )
        clean_terms = _clean_terms(couple, terms or {})
        fields["title"] = fields["title"] or "Time-out agreement"
    elif kind == HomeworkKind.PRACTICE:
        practice = practice_terms(
            technique=technique,
            title=title,
            breaths_per_minute=breaths_per_minute,
            cycles=cycles,
            minutes=minutes,
            instructions=instructions,
        )
        fields.update(
            title=practice.title,
            technique=practice.technique,
            breaths_per_minute=practice.breaths_per_minute,
            cycles=practice.cycles,
            minutes=practice.minutes,
            instructions=practice.instructions,
        )
    elif kind == HomeworkKind.OTHER:
        errors = {}
        if not fields["title"]:
            errors["title"] = "Give the task a short title."
        if not fields["instructions"]:
            errors["instructions"] = "Describe the task."
        if errors:
            raise ValidationError(errors)
        fields["minutes"] = minutes
    else:
        raise ValidationError({"kind": f"Unknown kind of homework {kind!r}."})
    if kind != HomeworkKind.TIME_OUT and terms:
        raise ValidationError({"terms": "Only a time-out agreement has terms."})

    homework = Homework.objects.create(
        clinic=couple.clinic,
        couple=couple,
        partner=partner,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        target_per_week=target_per_week,
        created_by=by,
        **fields,
    )
    record_event(
        clinic=couple.clinic,
        actor=by,
        action="create",
        obj=homework,
        request=request,
        detail={"kind": kind, "couple": str(couple.pk)},
    )
    if kind == HomeworkKind.TIME_OUT:
        _add_version(homework=homework, by=by, number=1, terms=clean_terms, request=request)
    return homework


def _add_version(
    *, homework: Homework, by: User, number: int, terms: dict, change_note: str = "", request=None
) -> AgreementVersion:
    version = AgreementVersion.objects.create(
        clinic=homework.clinic,
        homework=homework,
        number=number,
        created_by=by,
        change_note=change_note,
        **terms,
    )
    record_event(
        clinic=homework.clinic,
        actor=by,
        action="create",
        obj=version,
        request=request,
        detail={"homework": str(homework.pk), "number": number},
    )
    return version


def _lock(homework: Homework) -> Homework:
    """Reload the homework under a row lock: versions and answers are serialized on it."""
    return Homework.objects.for_clinic(homework.clinic).select_for_update().get(pk=homework.pk)


def _check_changeable(homework: Homework) -> None:
    if homework.archived_at is not None:
        raise ValidationError("This homework is archived.")
    if homework.ended_at is not None:
        raise ValidationError("This homework has ended.")


def current_version_of(homework: Homework) -> AgreementVersion:
    """The time-out agreement's latest version; an agreement always has one from its creation."""
    current = latest_version(homework)
    if current is None:
        raise ValidationError("This time-out agreement has no version yet.")
    return current


def latest_version(homework: Homework) -> AgreementVersion | None:
    """The time-out agreement's latest version (None for other homework)."""
    return (
        AgreementVersion.objects.for_clinic(homework.clinic)
        .filter(homework=homework)
        .order_by("-number")
        .first()
    )


@transaction.atomic
def agreement_revise(
    *, homework: Homework, by: User, change_note: str = "", request=None, **terms
) -> AgreementVersion:
    """Change a time-out agreement's terms: a new version (terms not given are carried over)
    that both partners must accept again. Earlier versions and answers are kept."""
    homework = _lock(homework)
    if not homework.is_time_out:
        raise ValidationError("Only a time-out agreement has versions.")
    _check_changeable(homework)
    current = current_version_of(homework)
    merged = {field: getattr(current, field) for field in TERM_FIELDS}
    merged.update(terms)
    clean = _clean_terms(homework.couple, merged)
    if all(clean[f] == getattr(current, f) for f in TERM_FIELDS):
        raise ValidationError("Nothing changed; a new version needs at least one changed term.")
    return _add_version(
        homework=homework,
        by=by,
        number=current.number + 1,
        terms=clean,
        change_note=change_note.strip(),
        request=request,
    )


@transaction.atomic
def agreement_respond(
    *,
    homework: Homework,
    partner: Client,
    by: User,
    decision: str,
    version: int,
    note: str = "",
    request=None,
) -> AgreementResponse:
    """Record a partner's answer to the latest version: accept it, or ask to discuss it first.

    `version` is the number the partner read; AgreementChanged if it is no longer the latest,
    so nobody accepts terms they have not seen. Accepting a version twice is refused.
    """
    homework = _lock(homework)
    if not homework.is_time_out:
        raise ValidationError("Only a time-out agreement is accepted.")
    _check_changeable(homework)
    check_partner_of(homework.couple, partner)
    if decision not in AgreementDecision.values:
        raise ValidationError({"decision": f"Unknown answer {decision!r}."})
    current = current_version_of(homework)
    if version != current.number:
        raise AgreementChanged(current.number)
    already = AgreementResponse.objects.for_clinic(homework.clinic).filter(
        version=current, partner=partner, decision=AgreementDecision.ACCEPTED
    )
    if already.exists():
        raise ValidationError({"version": "You have already accepted this version."})
    response = AgreementResponse.objects.create(
        clinic=homework.clinic,
        version=current,
        partner=partner,
        decision=decision,
        note=note.strip(),
        by=by,
    )
    record_event(
        clinic=homework.clinic,
        actor=by,
        action=f"agreement_{decision}",
        obj=response,
        request=request,
        detail={"homework": str(homework.pk), "version": current.number},
    )
    return response


@transaction.atomic
def homework_update(*, homework: Homework, by: User, request=None, **fields) -> Homework:
    """Change homework in place (title, end date, target, practice details); a time-out
    agreement's terms change only through agreement_revise."""
    unknown = set(fields) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed here."})
    homework = _lock(homework)
    _check_changeable(homework)
    _check_dates(homework.start_date, fields.get("end_date", homework.end_date))
    if "target_per_week" in fields:
        _check_target(fields["target_per_week"])
    if homework.kind == HomeworkKind.PRACTICE:
        merged = {
            name: fields.get(name, getattr(homework, name))
            for name in ("breaths_per_minute", "cycles", "minutes", "instructions", "title")
        }
        practice = practice_terms(technique=homework.technique, **merged)
        fields.update(
            {
                name: getattr(practice, name)
                for name in ("breaths_per_minute", "cycles", "minutes", "instructions", "title")
                if name in fields
            }
        )
    elif "title" in fields and not str(fields["title"]).strip():
        raise ValidationError({"title": "The title cannot be empty."})
    changed = sorted(name for name, value in fields.items() if getattr(homework, name) != value)
    for name in changed:
        setattr(homework, name, fields[name])
    homework.save()
    record_event(
        clinic=homework.clinic,
        actor=by,
        action="update",
        obj=homework,
        request=request,
        detail={"fields": changed},
    )
    return homework


@transaction.atomic
def homework_end(
    *, homework: Homework, by: User, on: date | None = None, reason: str = "", request=None
) -> Homework:
    """End homework (kept with its logs): it is due up to `on` (default today, clinic time)."""
    homework = _lock(homework)
    _check_changeable(homework)
    on = on or timezone.localdate(timezone=homework.clinic.tz)
    if on < homework.start_date:
        raise ValidationError({"end_date": "The end date is before the start date."})
    homework.end_date = min(on, homework.end_date) if homework.end_date else on
    homework.ended_at, homework.ended_by, homework.end_reason = timezone.now(), by, reason.strip()
    homework.save()
    record_event(
        clinic=homework.clinic,
        actor=by,
        action="end",
        obj=homework,
        request=request,
        detail={"end_date": homework.end_date.isoformat()},
    )
    return homework


@transaction.atomic
def homework_archive(*, homework: Homework, by: User, reason: str, request=None) -> Homework:
    """Set homework aside (e.g. given by mistake): kept with its logs, hidden from the partners."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why this homework is archived."})
    homework = _lock(homework)
    if homework.archived_at is None:
        homework.archived_at = timezone.now()
        homework.end_reason = homework.end_reason or reason.strip()
        homework.save()
        record_event(
            clinic=homework.clinic,
            actor=by,
            action="archive",
            obj=homework,
            request=request,
            detail={"reason": reason.strip()},
        )
    return homework
