"""Portal pages for a partner: read and accept (or ask to discuss) the time-out agreement, log a
practice or a time-out, do the daily check-in, and see or correct their own entries.

Everything is reached through the partner's own login (request.client, request.couple); the
other partner's entries appear only when clinic/confidentiality.py allows. Times are shown and
entered in the clinic's time zone.
"""

import uuid
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic.audit import record_read
from clinic.confidentiality import Material
from clinic.date_style import format_when
from clinic.form_errors import run_service
from clinic.page_access import portal_client_required
from sessions.homework import services as homework_services
from sessions.homework.extensions import describe_minutes
from sessions.homework.forms import AgreementAnswerForm, ReasonForm
from sessions.homework.selectors import agreement_status_of, current_version, practices_loggable_by
from sessions.homework.services import AgreementChanged
from sessions.logs import services as log_services
from sessions.logs.forms import CheckInForm, PracticeLogForm, TimeOutLogForm
from sessions.logs.regulation import SELF_RATING_NOTE
from sessions.logs.selectors import logs_visible_to_partner
from sessions.measurements import services as measurement_services
from sessions.measurements.forms import PortalMeasurementForm
from sessions.measurements.physiology import home_entry_hints
from sessions.models import (
    CORRECTION_WINDOW,
    AgreementDecision,
    CheckIn,
    HomeworkKind,
    MeasurementSource,
    PracticeLog,
    TimeOutLog,
)
from sessions.portal.selectors import homework_for_portal

LOGS_PAGE_SIZE = 20  # entries of one kind a page, newest first
LOG_KINDS = {
    "practice": (PracticeLog, Material.PRACTICE_LOG, "practice"),
    "time-out": (TimeOutLog, Material.TIMEOUT_LOG, "time-out"),
    "check-in": (CheckIn, Material.CHECKIN, "check-in"),
}


def portal_page(view):
    """A portal page: the partner from their login, in the clinic's time zone, in a couple."""

    @portal_client_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.couple is None:
            raise Http404("Not part of a couple yet.")
        with timezone.override(request.clinic.tz):
            return view(request, *args, **kwargs)

    return wrapper


def _audit(request, objects) -> None:
    record_read(request, objects)


def _own_practices(request):
    return practices_loggable_by(couple=request.couple, client=request.client)


def _form_page(request, form, *, title, submit, intro="", note=""):
    return render(
        request,
        "sessions/portal_form.html",
        {"form": form, "title": title, "submit": submit, "intro": intro, "note": note},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- the time-out agreement --------------------------------------------------------------------


@portal_page
@require_http_methods(["GET", "POST"])
def agreement_page(request, homework_id):
    agreement = (
        homework_for_portal(couple=request.couple, client=request.client)
        .filter(kind=HomeworkKind.TIME_OUT, pk=homework_id)
        .first()
    )
    if agreement is None:
        raise Http404("No such agreement.")
    version = current_version(agreement)
    form = AgreementAnswerForm(request.POST or None, initial={"version": version.number})
    if request.method == "POST" and form.is_valid():
        decision = (
            AgreementDecision.DISCUSS
            if request.POST.get("answer") == "discuss"
            else AgreementDecision.ACCEPTED
        )
        try:
            answered = run_service(
                form,
                lambda: homework_services.agreement_respond(
                    homework=agreement,
                    partner=request.client,
                    by=request.user,
                    decision=decision,
                    version=form.cleaned_data["version"],
                    note=form.cleaned_data["note"],
                    request=request,
                ),
            )
        except AgreementChanged:
            messages.info(request, "The agreement was changed while you were reading it.")
            return redirect("portal-agreement", homework_id=agreement.pk)
        if answered:
            messages.success(
                request,
                "Thank you. You have accepted the agreement."
                if decision == AgreementDecision.ACCEPTED
                else "Thank you. Your therapist will talk it through with you.",
            )
            return redirect("portal-home")
    record_read(request, agreement)
    status = agreement_status_of(agreement, request.couple)
    mine = status.standing_of(request.client.pk)
    other = request.couple.other_partner(request.client)
    other_standing = status.standing_of(other.pk)
    return render(
        request,
        "sessions/portal_agreement.html",
        {
            "agreement": agreement,
            "version": version,
            "status": status,
            "i_accepted": bool(mine and mine.accepted),
            "i_asked": bool(mine and mine.wants_to_discuss),
            "other": other,
            "other_accepted": bool(other_standing and other_standing.accepted),
            "min_break": describe_minutes(version.min_break_minutes),
            "max_break": describe_minutes(version.max_break_minutes),
            "form": form,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --- logging ---------------------------------------------------------------------------------


@portal_page
@require_http_methods(["GET", "POST"])
def practice_new(request):
    practices = _own_practices(request)
    initial = {}
    if request.GET.get("homework"):
        initial["homework"] = practices.filter(pk=_uuid_or_none(request.GET["homework"])).first()
    form = PracticeLogForm(request.POST or None, practices=practices, initial=initial)
    if request.method == "POST" and form.is_valid():
        log = run_service(
            form,
            lambda: log_services.practice_log_create(
                couple=request.couple,
                partner=request.client,
                by=request.user,
                request=request,
                **form.cleaned_data,
            ),
        )
        if log:
            messages.success(request, "Your practice is saved. Well done for taking the time.")
            return redirect("portal-home")
    if not practices.exists():
        messages.info(request, "You have no practice to log right now.")
        return redirect("portal-home")
    return _form_page(request, form, title="Log a practice", submit="Save practice")


@portal_page
@require_http_methods(["GET", "POST"])
def time_out_new(request):
    form = TimeOutLogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = _time_out_values(request, form.cleaned_data)
        log = run_service(
            form,
            lambda: log_services.time_out_log_create(
                couple=request.couple,
                partner=request.client,
                by=request.user,
                request=request,
                **values,
            ),
        )
        if log:
            messages.success(request, "Your time-out is saved.")
            return redirect("portal-home")
    return _form_page(
        request,
        form,
        title="Log a time-out",
        submit="Save time-out",
        intro="Taking a break when things get too heated is a skill. Noting it down helps you "
        "and your therapist see what works.",
    )


def _time_out_values(request, data: dict) -> dict:
    values = dict(data)
    values["called_by"] = log_services.time_out_caller(
        couple=request.couple, partner=request.client, who=values["called_by"]
    )
    return values


@portal_page
@require_http_methods(["GET", "POST"])
def check_in_new(request):
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        log = run_service(
            form,
            lambda: log_services.check_in_create(
                couple=request.couple,
                partner=request.client,
                by=request.user,
                request=request,
                **form.cleaned_data,
            ),
        )
        if log:
            messages.success(request, "Thank you for checking in.")
            return redirect("portal-home")
    return _form_page(
        request,
        form,
        title="Daily check-in",
        submit="Save check-in",
        intro="How are you, right now? There are no right answers.",
        note=SELF_RATING_NOTE,
    )


# --- a physiological reading ------------------------------------------------------------------


def _record_own_reading(request, form: PortalMeasurementForm):
    """Record the partner's reading; context errors ("context.site") land on their inputs."""
    try:
        return measurement_services.measurement_record(
            couple=request.couple,
            partner=request.client,
            by=request.user,
            source=MeasurementSource.PORTAL,
            request=request,
            **form.service_kwargs(),
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {key.replace("context.", "context_"): errors for key, errors in exc.error_dict.items()}
        ) from None


@portal_page
@require_http_methods(["GET", "POST"])
def measurement_new(request):
    """Enter one of my own readings (heart rate, HRV, skin conductance...) by hand."""
    form = PortalMeasurementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reading = run_service(form, lambda: _record_own_reading(request, form))
        if reading:
            text = f"Your reading was saved ({reading.value:g} {reading.unit})."
            for warning in reading.warnings:
                text += f" Note: {warning}"
            messages.success(request, text)
            return redirect("portal-home")
    return render(
        request,
        "sessions/portal_measurement.html",
        {"form": form, "hints": home_entry_hints()},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- my entries ------------------------------------------------------------------------------


@portal_page
def logs_page(request):
    """My entries (and my partner's, if our policy shares them), newest first, each kind paged
    on its own (`?practice-page=2`), so years of check-ins neither hide nor bury practices."""
    sections = []
    shown = []
    for kind, (model, material, label) in LOG_KINDS.items():
        logs = (
            logs_visible_to_partner(
                model=model, material=material, couple=request.couple, client=request.client
            )
            .select_related("partner", *(["homework"] if model is PracticeLog else []))
            .order_by("-created_at", "-pk")
        )
        param = f"{kind}-page"
        page = Paginator(logs, LOGS_PAGE_SIZE).get_page(request.GET.get(param))
        rows = list(page.object_list)
        shown += rows
        sections.append(
            {
                "kind": kind,
                "label": label,
                "rows": rows,
                "page": page,
                "newer_url": _page_url(request, param, page.previous_page_number())
                if page.has_previous()
                else "",
                "older_url": _page_url(request, param, page.next_page_number())
                if page.has_next()
                else "",
            }
        )
    _audit(request, shown)
    return render(
        request,
        "sessions/portal_logs.html",
        {
            "sections": sections,
            "client": request.client,
            "now": timezone.now(),
            "window_hours": int(CORRECTION_WINDOW.total_seconds() // 3600),
            "self_rating": SELF_RATING_NOTE,
        },
    )


def _page_url(request, param: str, number: int) -> str:
    """This page's address with one section's page number changed, the others' kept."""
    query = request.GET.copy()
    query[param] = str(number)
    return f"?{query.urlencode()}#entries-{param.removesuffix('-page')}"


def _own_log(request, kind: str, log_id):
    if kind not in LOG_KINDS:
        raise Http404("No such entry.")
    model = LOG_KINDS[kind][0]
    log = (
        model.objects.for_clinic(request.clinic)
        .filter(couple=request.couple, partner=request.client, pk=log_id)
        .first()
    )
    if log is None:
        raise Http404("No such entry.")
    return log


FORM_OF = {"practice": PracticeLogForm, "time-out": TimeOutLogForm, "check-in": CheckInForm}


def _initial(log, kind: str) -> dict:
    form_fields = FORM_OF[kind].base_fields
    initial = {name: getattr(log, name) for name in form_fields if hasattr(log, name)}
    for name in ("practiced_at", "started_at"):
        if name in initial:
            initial[name] = timezone.localtime(initial[name]).strftime("%Y-%m-%dT%H:%M")
    if kind == "time-out":
        initial["called_by"] = "me" if log.called_by_id == log.partner_id else "partner"
        initial["reconvened"] = "yes" if log.reconvened else "no"
    return initial


@portal_page
@require_http_methods(["GET", "POST"])
def log_edit(request, kind, log_id):
    log = _own_log(request, kind, log_id)
    if log.is_locked():
        messages.info(request, "This entry can no longer be changed.")
        return redirect("portal-logs")
    extra = {"practices": _own_practices(request)} if kind == "practice" else {}
    form = FORM_OF[kind](request.POST or None, initial=_initial(log, kind), **extra)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        if kind == "time-out":
            values = _time_out_values(request, values)
            values.pop("homework")
        corrected = run_service(
            form,
            lambda: log_services.log_correct(log=log, by=request.user, request=request, **values),
        )
        if corrected:
            messages.success(request, "Your entry is corrected.")
            return redirect("portal-logs")
    record_read(request, log)
    return _form_page(
        request,
        form,
        title=f"Correct your {LOG_KINDS[kind][2]}",
        submit="Save correction",
        intro=f"You can change this entry until {format_when(log.locks_at, 'weekday_time')}.",
    )


@portal_page
@require_http_methods(["GET", "POST"])
def log_void(request, kind, log_id):
    log = _own_log(request, kind, log_id)
    form = ReasonForm(request.POST or None)
    form.fields["reason"].label = "Why are you taking this entry back?"
    if request.method == "POST" and form.is_valid():
        voided = run_service(
            form,
            lambda: log_services.log_void(
                log=log,
                by=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            ),
        )
        if voided:
            messages.success(request, "The entry is taken back. Your therapist can still see it.")
            return redirect("portal-logs")
    return _form_page(
        request,
        form,
        title=f"Take back this {LOG_KINDS[kind][2]}",
        submit="Take it back",
        intro="The entry will be marked as taken back, not erased.",
    )


def _uuid_or_none(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
