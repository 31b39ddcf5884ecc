"""A hand-written caseload endpoint: the yardstick the caseload API is measured against.

It returns the same content as `GET /api/v1/clinics/<slug>/couples/` (50 a page, newest first):
each couple with partners, therapists, next and last session, open risk alerts, risk
concerns in the latest signed note, overdue questionnaires, latest headline scores and the
agreement-discussion flag. It does the same
duties (token authentication, active membership with a second factor, one audit event per couple shown) with
`.values()` queries and no serializer, so the gap between the two is the framework's and the
enrichers' overhead. Served only by the benchmark's server (bench/settings.py).
"""

from collections import defaultdict

from allauth.mfa.models import Authenticator
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, JsonResponse
from django.utils import timezone
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.utils.encoders import JSONEncoder

from assessments.caseload import HEADLINE_INSTRUMENTS, _headline_scales
from assessments.models import Response, ResponseStatus, RiskAlert, overdue_q
from assessments.risk import REVIEW, URGENT
from clinic.date_style import format_for_clinic
from clinic.models import AuditEvent, Clinic, Couple, Membership
from clinic.tenancy import scopes_disabled
from sessions.models import (
    AgreementResponse,
    AgreementVersion,
    SessionNote,
    SessionStatus,
    TherapySession,
)

PAGE = 50
COUPLE_FIELDS = (
    "id",
    "status",
    "intake_date",
    "start_date",
    "end_date",
    "presenting_concerns",
    "individual_material_policy",
    "shared_since",
    "created_at",
    "updated_at",
    "archived_at",
)
PARTNER_FIELDS = ("id", "legal_name", "preferred_name", "pronouns")


def _partner(row: dict, side: str) -> dict:
    name = row[f"{side}__preferred_name"] or row[f"{side}__legal_name"]
    return {"id": row[f"{side}__id"], "display_name": name, "pronouns": row[f"{side}__pronouns"]}


def _brief(row: dict | None, tz) -> dict | None:
    if row is None:
        return None
    local = row["starts_at"].astimezone(tz)
    return {
        "id": str(row["id"]),
        "starts_at": row["starts_at"].isoformat(),
        "label": f"{local:%a} {local.day} {local:%b %Y, %H:%M}",
        "kind": row["kind"],
        "modality": row["modality"],
    }


def _first_sessions(clinic_id, ids, *, upcoming: bool) -> dict:
    now = timezone.now()
    qs = TherapySession.objects.filter(clinic_id=clinic_id, couple_id__in=ids)
    if upcoming:
        qs = qs.filter(status=SessionStatus.SCHEDULED, starts_at__gte=now)
        qs = qs.order_by("couple_id", "starts_at")
    else:
        qs = qs.filter(status=SessionStatus.HELD, starts_at__lt=now)
        qs = qs.order_by("couple_id", "-starts_at")
    rows = qs.distinct("couple_id").values("id", "couple_id", "starts_at", "kind", "modality")
    return {row["couple_id"]: row for row in rows}


def caseload_reference(request, clinic_slug):
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        found = None
    if found is None:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    user = found[0]
    with scopes_disabled():
        clinic = Clinic.objects.filter(slug=clinic_slug).values("id", "time_zone", "locale").first()
        if (
            clinic is None
            or not Membership.objects.filter(
                clinic_id=clinic["id"], user=user, is_active=True, role="admin"
            )
            .filter(Exists(Authenticator.objects.filter(user_id=OuterRef("user_id"))))
            .exists()
        ):
            raise Http404("No such clinic.")
        cid = clinic["id"]
        style = Clinic(time_zone=clinic["time_zone"], locale=clinic["locale"])
        tz = style.tz
        page = max(int(request.GET.get("page", "1") or 1), 1)
        live = Couple.objects.filter(clinic_id=cid, archived_at__isnull=True)
        count = live.count()
        couples = list(
            live.order_by("-created_at").values(
                *COUPLE_FIELDS,
                *(f"partner_a__{f}" for f in PARTNER_FIELDS),
                *(f"partner_b__{f}" for f in PARTNER_FIELDS),
            )[(page - 1) * PAGE : page * PAGE]
        )
        ids = [c["id"] for c in couples]
        therapists = defaultdict(list)
        for row in (
            Couple.therapists.through.objects.filter(couple_id__in=ids)
            .order_by("therapist__full_name", "therapist__email")
            .values("couple_id", "therapist__id", "therapist__full_name", "therapist__email")
        ):
            therapists[row["couple_id"]].append(
                {
                    "id": row["therapist__id"],
                    "full_name": row["therapist__full_name"],
                    "email": row["therapist__email"],
                }
            )
        upcoming = _first_sessions(cid, ids, upcoming=True)
        held = _first_sessions(cid, ids, upcoming=False)
        alerts: dict = {}
        for row in (
            RiskAlert.objects.filter(clinic_id=cid, couple_id__in=ids, acknowledged_at__isnull=True)
            .order_by()
            .values("couple_id", "severity")
            .annotate(n=Count("id"))
        ):
            counts = alerts.setdefault(row["couple_id"], {URGENT: 0, REVIEW: 0})
            counts[URGENT if row["severity"] == URGENT else REVIEW] += row["n"]
        today = timezone.now().astimezone(tz).date()
        overdue = dict(
            Response.objects.filter(overdue_q(today), clinic_id=cid, couple_id__in=ids)
            .order_by()
            .values("couple_id")
            .annotate(n=Count("id"))
            .values_list("couple_id", "n")
        )
        latest = (
            Response.objects.filter(
                clinic_id=cid,
                couple_id__in=ids,
                status=ResponseStatus.SUBMITTED,
                instrument_code__in=HEADLINE_INSTRUMENTS,
            )
            .order_by("couple_id", "partner_id", "instrument_code", "-submitted_at")
            .distinct("couple_id", "partner_id", "instrument_code")
            .values(
                "couple_id",
                "partner_id",
                "instrument_code",
                "instrument_version",
                "scores",
                "due_on",
            )
        )
        names = {}
        for c in couples:
            names[c["partner_a__id"]] = c["partner_a__preferred_name"] or c["partner_a__legal_name"]
            names[c["partner_b__id"]] = c["partner_b__preferred_name"] or c["partner_b__legal_name"]
        order = {code: i for i, code in enumerate(HEADLINE_INSTRUMENTS)}
        headlines = defaultdict(list)
        for row in sorted(
            latest, key=lambda r: (order[r["instrument_code"]], str(r["partner_id"]))
        ):
            for scale in _headline_scales(
                row["instrument_code"], row["instrument_version"], row["scores"] or {}
            ):
                headlines[row["couple_id"]].append(
                    {
                        **scale,
                        "partner": str(row["partner_id"]),
                        "partner_name": names.get(row["partner_id"], ""),
                        "on": row["due_on"].isoformat(),
                    }
                )
        # A partner asked to discuss the latest version of a running agreement, and has not
        # accepted it since.
        later = AgreementVersion.objects.filter(
            homework_id=OuterRef("version__homework_id"), number__gt=OuterRef("version__number")
        )
        accepted = AgreementResponse.objects.filter(
            version_id=OuterRef("version_id"),
            partner_id=OuterRef("partner_id"),
            decision="accepted",
        )
        discussions = defaultdict(dict)
        for row in (
            AgreementResponse.objects.filter(
                clinic_id=cid,
                decision="discuss",
                version__homework__couple_id__in=ids,
                version__homework__kind="time_out",
                version__homework__ended_at__isnull=True,
                version__homework__archived_at__isnull=True,
            )
            .filter(~Exists(later), ~Exists(accepted))
            .order_by("version__homework__start_date", "version__homework__created_at", "at")
            .values(
                "partner_id",
                "version__number",
                "version__homework_id",
                "version__homework__title",
                "version__homework__couple_id",
            )
        ):
            entry = discussions[row["version__homework__couple_id"]].setdefault(
                row["version__homework_id"],
                {
                    "homework_id": str(row["version__homework_id"]),
                    "title": row["version__homework__title"],
                    "version": row["version__number"],
                    "who": [],
                },
            )
            name = names.get(row["partner_id"])
            if name is not None and name not in entry["who"]:
                entry["who"].append(name)
        # The latest signed note per couple (by session time) when it records risk concerns.
        note_risk = {
            row["session__couple_id"]: {
                "note": str(row["id"]),
                "on": format_for_clinic(row["session__starts_at"], "date", style),
            }
            for row in SessionNote.objects.filter(
                clinic_id=cid, session__couple_id__in=ids, signed_at__isnull=False
            )
            .order_by("session__couple_id", "-session__starts_at", "-signed_at")
            .distinct("session__couple_id")
            .values("id", "session__couple_id", "session__starts_at", "risk_level")
            if row["risk_level"] == "concerns"
        }
        results = []
        for c in couples:
            pk = c["id"]
            a, b = _partner(c, "partner_a"), _partner(c, "partner_b")
            discussion = list(discussions.get(pk, {}).values()) or None
            summary = None
            if overdue.get(pk) or headlines.get(pk):
                summary = {"overdue": overdue.get(pk, 0), "headlines": headlines.get(pk, [])}
            results.append(
                {
                    "id": pk,
                    "label": f"{a['display_name']} & {b['display_name']}",
                    "partner_a": a,
                    "partner_b": b,
                    "therapists": therapists.get(pk, []),
                    **{f: c[f] for f in COUPLE_FIELDS[1:]},
                    "caseload": {
                        "sessions": {
                            "next": _brief(upcoming.get(pk), tz),
                            "last": _brief(held.get(pk), tz),
                        },
                        "note_risk": note_risk.get(pk),
                        "agreement_discussion": discussion,
                        "assessment_alerts": alerts.get(pk),
                        "assessments": summary,
                    },
                }
            )
        ip = request.META.get("REMOTE_ADDR") or None
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    clinic_id=cid,
                    actor=user,
                    action="read",
                    object_type="clinic.couple",
                    object_id=str(pk),
                    ip=ip,
                    channel="api",
                )
                for pk in ids
            ]
        )
    return JsonResponse(
        {"count": count, "next": None, "previous": None, "results": results},
        encoder=JSONEncoder,
        json_dumps_params={"separators": (",", ":")},
    )
