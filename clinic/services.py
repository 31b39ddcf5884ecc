"""Writes with rules for people and tenancy. Each service takes the clinic and the acting user,
validates the domain rules, and records its audit event in the same transaction."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import lockout
from clinic.audit import record_event
from clinic.audit_trail import access_history_csv, audit_events
from clinic.client_details import looks_like_test_data, normalize_phone
from clinic.confidentiality import (
    NarrowingFromNow,
    couple_sharing,
    effective_policy,
    sharing_after_change,
)
from clinic.identity import end_all_access
from clinic.models import (
    OPEN_COUPLE_STATUSES,
    AppliesTo,
    BreakGlass,
    Client,
    Clinic,
    ConfidentialityAgreement,
    ConsentMethod,
    Couple,
    CoupleStatus,
    CoupleStatusChange,
    IndividualMaterialPolicy,
    Membership,
    Role,
    User,
)
from clinic.permissions import require_admin_of

CLIENT_FIELDS = (
    "legal_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "email",
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
    "status",
)


def _check_client_fields(fields: dict, *, clinic: Clinic, client: Client | None = None) -> None:
    """Validate and normalise a client's fields in place: no future birth date, phones in
    E.164, no test-data names, and an email address no other client of the clinic has."""
    errors = {}
    dob = fields.get("date_of_birth")
    if dob and dob > timezone.localdate():
        errors["date_of_birth"] = "Date of birth cannot be in the future."
    for name in ("phone", "emergency_contact_phone"):
        if fields.get(name):
            try:
                fields[name] = normalize_phone(fields[name], region=settings.PHONE_REGION)
            except ValueError:
                errors[name] = (
                    "Enter a valid phone number, with its country code if it is not "
                    f"a {settings.PHONE_REGION} number (for example +44 20 7946 0958)."
                )
    for name in ("legal_name", "preferred_name"):
        if looks_like_test_data(fields.get(name, "")):
            errors[name] = "This looks like test data, not a person's name."
    email = (fields.get("email") or "").strip().lower()
    if "email" in fields:
        fields["email"] = email
    if email:
        others = Client.objects.for_clinic(clinic).filter(email__iexact=email)
        if client is not None:
            others = others.exclude(pk=client.pk)
        if others.exists():
            errors["email"] = "Another client of this clinic has this email address."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def client_create(*, clinic: Clinic, by: User, request=None, **fields) -> Client:
    """Register a client in the clinic."""
    _check_client_fields(fields, clinic=clinic)
    client = Client.objects.create(clinic=clinic, created_by=by, **fields)
    record_event(clinic=clinic, actor=by, action="create", obj=client, request=request)
    return client


@transaction.atomic
def client_update(*, client: Client, by: User, request=None, **fields) -> Client:
    """Change a client's record; archived records are read-only."""
    if client.archived_at:
        raise ValidationError("This client is archived; restore it before editing.")
    _check_client_fields(fields, clinic=client.clinic, client=client)
    changed = [name for name, value in fields.items() if getattr(client, name) != value]
    for name in changed:
        setattr(client, name, fields[name])
    client.save()
    record_event(
        clinic=client.clinic,
        actor=by,
        action="update",
        obj=client,
        request=request,
        detail={"fields": sorted(changed)},
    )
    return client


@transaction.atomic
def client_archive(*, client: Client, by: User, request=None) -> Client:
    """Soft-delete: the record stays, hidden from working lists. Clinical records are never removed."""
    if client.archived_at is None:
        client.archived_at = timezone.now()
        client.status = Client.Status.INACTIVE
        client.save(update_fields=["archived_at", "status", "updated_at"])
        record_event(clinic=client.clinic, actor=by, action="archive", obj=client, request=request)
    return client


def _check_partners(
    *, clinic: Clinic, partner_a: Client, partner_b: Client, exclude: Couple | None
) -> None:
    errors = {}
    if partner_a.pk == partner_b.pk:
        errors["partner_b"] = "The two partners must be different people."
    for field, partner in (("partner_a", partner_a), ("partner_b", partner_b)):
        if partner.clinic_id != clinic.pk:
            errors[field] = "This client does not belong to this clinic."
        elif partner.archived_at:
            errors[field] = f"{partner.display_name} is archived."
    if errors:
        raise ValidationError(errors)
    # Lock both client rows so two concurrent requests cannot each put one client into a couple.
    list(
        Client.objects.for_clinic(clinic)
        .select_for_update()
        .filter(pk__in=[partner_a.pk, partner_b.pk])
    )
    open_couples = Couple.objects.for_clinic(clinic).live().filter(status__in=OPEN_COUPLE_STATUSES)
    if exclude is not None:
        open_couples = open_couples.exclude(pk=exclude.pk)
    for field, partner in (("partner_a", partner_a), ("partner_b", partner_b)):
        if (
            open_couples.filter(partner_a=partner).exists()
            or open_couples.filter(partner_b=partner).exists()
        ):
            errors[field] = (
                f"{partner.display_name} is already in an open couple (intake, active or paused)."
            )
    if errors:
        raise ValidationError(errors)


def _check_therapists(*, clinic: Clinic, therapists) -> None:
    member_ids = set(
        Membership.objects.for_clinic(clinic)
        .filter(is_active=True)
        .values_list("user_id", flat=True)
    )
    if any(t.pk not in member_ids for t in therapists):
        raise ValidationError(
            {"therapists": "Every assigned therapist must be a member of this clinic."}
        )


@transaction.atomic
def couple_create(
    *,
    clinic: Clinic,
    by: User,
    partner_a: Client,
    partner_b: Client,
    therapists=(),
    request=None,
    **fields,
) -> Couple:
    """Open a case for two partners of this clinic; the creating therapist is assigned to it."""
    _check_partners(clinic=clinic, partner_a=partner_a, partner_b=partner_b, exclude=None)
    therapists = list(therapists)
    by_membership = Membership.objects.for_clinic(clinic).filter(user=by).first()
    if by_membership and by_membership.role == Role.THERAPIST and by not in therapists:
        therapists.append(by)
    _check_therapists(clinic=clinic, therapists=therapists)
    fields.setdefault("intake_date", timezone.localdate())
    couple = Couple.objects.create(
        clinic=clinic, partner_a=partner_a, partner_b=partner_b, created_by=by, **fields
    )
    couple.therapists.set(therapists, through_defaults=couple.assignment_defaults)
    CoupleStatusChange.objects.create(
        clinic=clinic, couple=couple, from_status="", to_status=couple.status, changed_by=by
    )
    record_event(clinic=clinic, actor=by, action="create", obj=couple, request=request)
    return couple


@transaction.atomic
def couple_update(*, couple: Couple, by: User, request=None, therapists=None, **fields) -> Couple:
    """Change a couple's details (not its status: see couple_set_status)."""
    if couple.archived_at:
        raise ValidationError("This couple is archived; it can no longer be edited.")
    clinic = couple.clinic
    new_a = fields.pop("partner_a", couple.partner_a)
    new_b = fields.pop("partner_b", couple.partner_b)
    status = fields.pop("status", None)
    policy = fields.pop("individual_material_policy", couple.individual_material_policy)
    if policy != couple.individual_material_policy:
        # What partners see of each other changes only with both partners' consent on record.
        raise ValidationError(
            {
                "individual_material_policy": "Change the confidentiality policy through its "
                "own form, which records both partners' consent."
            }
        )
    changed = []
    if (new_a.pk, new_b.pk) != (couple.partner_a_id, couple.partner_b_id):
        _check_partners(clinic=clinic, partner_a=new_a, partner_b=new_b, exclude=couple)
        couple.partner_a, couple.partner_b = new_a, new_b
        changed += ["partner_a", "partner_b"]
    for name, value in fields.items():
        if getattr(couple, name) != value:
            setattr(couple, name, value)
            changed.append(name)
    couple.save()
    if therapists is not None:
        _check_therapists(clinic=clinic, therapists=therapists)
        if {t.pk for t in therapists} != set(couple.therapists.values_list("pk", flat=True)):
            couple.therapists.set(therapists, through_defaults=couple.assignment_defaults)
            changed.append("therapists")
    record_event(
        clinic=clinic,
        actor=by,
        action="update",
        obj=couple,
        request=request,
        detail={"fields": sorted(changed)},
    )
    if status is not None and status != couple.status:
        couple_set_status(couple=couple, by=by, status=status, request=request)
    return couple


# Closing a case is a clinical decision someone will ask about later: it carries its reason.
REASON_REQUIRED_FOR = {CoupleStatus.DISCHARGED}

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    CoupleStatus.INTAKE: {CoupleStatus.ACTIVE, CoupleStatus.PAUSED, CoupleStatus.DISCHARGED},
    CoupleStatus.ACTIVE: {CoupleStatus.PAUSED, CoupleStatus.DISCHARGED},
    CoupleStatus.PAUSED: {CoupleStatus.ACTIVE, CoupleStatus.DISCHARGED},
    CoupleStatus.DISCHARGED: {CoupleStatus.ACTIVE},
}


def next_statuses(status: str) -> list[str]:
    """The statuses a case may move to from `status`, in the order of the case's life."""
    return [s for s in CoupleStatus.values if s in ALLOWED_TRANSITIONS[status]]


@transaction.atomic
def couple_set_status(
    *, couple: Couple, by: User, status: str, note: str = "", on: date | None = None, request=None
) -> Couple:
    """Move a couple through intake -> active <-> paused -> discharged, recording who and when."""
    if status not in CoupleStatus.values:
        raise ValidationError({"status": f"Unknown status '{status}'."})
    if status == couple.status:
        return couple
    if status not in ALLOWED_TRANSITIONS[couple.status]:
        raise ValidationError({"status": f"A couple cannot move from {couple.status} to {status}."})
    note = note.strip()
    if status in REASON_REQUIRED_FOR and not note:
        raise ValidationError({"note": "Give the reason for closing the case."})
    if couple.status == CoupleStatus.DISCHARGED:
        # Re-opening must respect the one-open-couple-per-client rule.
        _check_partners(
            clinic=couple.clinic,
            partner_a=couple.partner_a,
            partner_b=couple.partner_b,
            exclude=couple,
        )
    on = on or timezone.localdate()
    previous = couple.status
    couple.status = status
    if status == CoupleStatus.ACTIVE and couple.start_date is None:
        couple.start_date = on
    if status == CoupleStatus.DISCHARGED:
        couple.end_date = on
    elif previous == CoupleStatus.DISCHARGED:
        couple.end_date = None
    couple.save()
    CoupleStatusChange.objects.create(
        clinic=couple.clinic,
        couple=couple,
        from_status=previous,
        to_status=status,
        changed_by=by,
        note=note,
    )
    record_event(
        clinic=couple.clinic,
        actor=by,
        action="status",
        obj=couple,
        request=request,
        detail={"from": previous, "to": status},
    )
    return couple


POLICY_CONFIRM = (
    "Confirm the change: it changes what each partner sees of the other's individual material."
)


@transaction.atomic
def couple_set_material_policy(
    *,
    couple: Couple,
    by: User,
    policy: str,
    applies_to: str,
    consents: dict[str, tuple[date | None, str]],
    confirmed: bool,
    note: str = "",
    request=None,
) -> ConfidentialityAgreement:
    """Change the couple's individual-material policy (inherit / shared / private) with both
    partners' consent recorded: `consents` maps "partner_a" / "partner_b" to (the date they
    agreed, how: a ConsentMethod). `applies_to` says whether it covers material from now on
    or past material too (see clinic.confidentiality.sharing_after_change). Audited; the
    change is kept as a ConfidentialityAgreement row."""
    couple = Couple.objects.select_for_update().select_related("clinic").get(pk=couple.pk)
    errors: dict[str, str] = {}
    if policy not in IndividualMaterialPolicy.values:
        errors["policy"] = f"Unknown policy '{policy}'."
    if applies_to not in AppliesTo.values:
        errors["applies_to"] = "Say whether the change applies from now on or to past material too."
    today = timezone.localdate(timezone=couple.clinic.tz)
    for slot, partner in (("partner_a", couple.partner_a), ("partner_b", couple.partner_b)):
        on, method = consents.get(slot, (None, ""))
        name = partner.display_name
        if on is None:
            errors[f"{slot}_consent_on"] = f"Record the date {name} agreed to this change."
        elif on > today:
            errors[f"{slot}_consent_on"] = f"{name}'s consent cannot be dated in the future."
        if method not in ConsentMethod.values:
            errors[f"{slot}_consent_method"] = (
                f"Record how {name} agreed (in session, in writing, ...)."
            )
    if not confirmed:
        errors["confirm"] = POLICY_CONFIRM
    if couple.archived_at is not None:
        raise ValidationError("This couple is archived; it can no longer be edited.")
    if errors:
        raise ValidationError(errors)
    before = couple_sharing(couple)
    after_effective = effective_policy(
        couple_policy=policy,
        clinic_shares_by_default=couple.clinic.partners_see_individual_results,
    )
    now = timezone.now()
    try:
        after = sharing_after_change(
            before=before,
            after_policy=after_effective,
            past_too=applies_to == AppliesTo.ALL,
            now=now,
        )
    except NarrowingFromNow as exc:
        raise ValidationError({"applies_to": str(exc)}) from exc
    (a_on, a_how), (b_on, b_how) = consents["partner_a"], consents["partner_b"]
    if a_on is None or b_on is None:  # refused above; narrows the type
        raise ValidationError("Both partners' consent must be recorded.")
    previous = couple.individual_material_policy
    if policy == previous and after == before:
        raise ValidationError({"policy": "This is already the couple's policy."})
    couple.individual_material_policy = policy
    couple.shared_since = after.since
    couple.save(update_fields=["individual_material_policy", "shared_since", "updated_at"])
    agreement = ConfidentialityAgreement.objects.create(
        clinic=couple.clinic,
        couple=couple,
        from_policy=previous,
        to_policy=policy,
        from_effective=before.policy,
        to_effective=after.policy,
        applies_to=applies_to,
        shared_since=after.since,
        partner_a=couple.partner_a,
        partner_a_consent_on=a_on,
        partner_a_consent_method=a_how,
        partner_b=couple.partner_b,
        partner_b_consent_on=b_on,
        partner_b_consent_method=b_how,
        note=note.strip(),
        recorded_by=by,
        recorded_at=now,
    )
    record_event(
        clinic=couple.clinic,
        actor=by,
        action="confidentiality",
        obj=couple,
        request=request,
        detail={
            "from": previous,
            "to": policy,
            "effective_from": before.policy,
            "effective_to": after.policy,
            "applies_to": applies_to,
            "shared_since": after.since.isoformat() if after.since else None,
            "agreement": str(agreement.pk),
        },
    )
    return agreement


@transaction.atomic
def couple_archive(*, couple: Couple, by: User, request=None) -> Couple:
    """Soft-delete a couple (e.g. opened by mistake); its clinical history stays in the database."""
    if couple.archived_at is None:
        couple.archived_at = timezone.now()
        couple.save(update_fields=["archived_at", "updated_at"])
        record_event(clinic=couple.clinic, actor=by, action="archive", obj=couple, request=request)
    return couple


@transaction.atomic
@transaction.atomic
def member_update(*, membership: Membership, by: User, request=None, **fields) -> Membership:
    """Change a member's role or supervision; the last admin cannot demote themselves."""
    require_admin_of(clinic=membership.clinic, user=by)
    _guard_last_admin(membership, new_role=fields.get("role", membership.role))
    for name, value in fields.items():
        setattr(membership, name, value)
    membership.save()
    record_event(
        clinic=membership.clinic,
        actor=by,
        action="member_update",
        obj=membership,
        request=request,
        detail={"fields": sorted(fields)},
    )
    return membership


@transaction.atomic
def member_deactivate(*, membership: Membership, by: User, request=None) -> Membership:
    """End a membership (kept for the record); the person loses access to the clinic."""
    require_admin_of(clinic=membership.clinic, user=by)
    _guard_last_admin(membership, new_role=None)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    # Signed in elsewhere (another tab, the API) must not outlive the membership.
    end_all_access(membership.user)
    record_event(
        clinic=membership.clinic,
        actor=by,
        action="member_deactivate",
        obj=membership,
        request=request,
    )
    return membership


@transaction.atomic
def member_unlock(*, membership: Membership, by: User, request=None) -> Membership:
    """Lift the failed-login lockout on a member's account (the admin vouches for them)."""
    require_admin_of(clinic=membership.clinic, user=by)
    lockout.unlock(email=membership.user.email)
    record_event(
        clinic=membership.clinic,
        actor=by,
        action="member_unlock",
        obj=membership,
        request=request,
    )
    return membership


def _guard_last_admin(membership: Membership, *, new_role: str | None) -> None:
    if membership.role != Role.ADMIN or new_role == Role.ADMIN:
        return
    other_admins = (
        Membership.objects.for_clinic(membership.clinic)
        .filter(role=Role.ADMIN, is_active=True)
        .exclude(pk=membership.pk)
    )
    if not other_admins.exists():
        raise ValidationError({"role": "A clinic needs at least one active admin."})


@transaction.atomic
def clinic_update_settings(*, clinic: Clinic, by: User, changes: dict, request=None) -> list[str]:
    """Apply validated setting changes; audit the names of the fields that really changed."""
    require_admin_of(clinic=clinic, user=by)
    changed = sorted(name for name, value in changes.items() if getattr(clinic, name) != value)
    if not changed:
        return []
    for name in changed:
        setattr(clinic, name, changes[name])
    clinic.full_clean()
    clinic.save(update_fields=changed)
    detail: dict = {"fields": changed}
    if "partners_see_individual_results" in changed and clinic.partners_see_individual_results:
        # Couples who follow the default start sharing from now on: no partner consented to
        # their past material being shown because the clinic's default changed.
        detail["couples_sharing_from_now_on"] = (
            Couple.objects.for_clinic(clinic)
            .filter(individual_material_policy=IndividualMaterialPolicy.INHERIT)
            .update(shared_since=timezone.now())
        )
    record_event(
        clinic=clinic,
        actor=by,
        action="update",
        obj=clinic,
        request=request,
        detail=detail,
    )
    return changed


@transaction.atomic
def client_access_history(*, clinic: Clinic, client: Client, by: User, request=None) -> str:
    """One client's access history as CSV, oldest first: the accounting of who read or changed
    their record (admins only). Handing it out is recorded like any other disclosure."""
    require_admin_of(clinic=clinic, user=by)
    events = audit_events(clinic=clinic, client=client).order_by("at", "pk")
    body = access_history_csv(clinic=clinic, client=client, events=events)
    record_event(
        clinic=clinic,
        actor=by,
        action="access_history_export",
        obj=client,
        request=request,
        detail={"events": body.count("\n") - 1},
    )
    return body


# How long a break-glass opening lasts, in minutes: long enough for the task that needed it,
# short enough that it is not a standing key. Staff logins end after 12 hours in any case.
BREAK_GLASS_MINUTES = {60: "1 hour", 240: "4 hours", 480: "8 hours (the rest of a working day)"}


@transaction.atomic
def break_glass_open(
    *, couple: Couple, by: User, reason: str, minutes: int, request=None
) -> BreakGlass:
    """An admin opens a couple outside their caseload, stating why, for a limited time. The
    opening is its own audit action with the reason, and the couple's therapists see it on the
    couple page."""
    require_admin_of(clinic=couple.clinic, user=by, message="Only a clinic admin can break glass.")
    reason = " ".join(reason.split())
    if len(reason) < 10:
        raise ValidationError(
            {"reason": "Say why you need to open this case (10 characters or more)."}
        )
    if minutes not in BREAK_GLASS_MINUTES:
        raise ValidationError({"minutes": "Choose one of the offered lengths."})
    now = timezone.now()
    opening = BreakGlass.objects.create(
        clinic=couple.clinic,
        couple=couple,
        user=by,
        reason=reason,
        opened_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    record_event(
        clinic=couple.clinic,
        actor=by,
        action="break_glass",
        obj=couple,
        request=request,
        detail={"reason": reason, "until": opening.expires_at.isoformat(), "minutes": minutes},
    )
    return opening
