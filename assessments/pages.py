"""Staff pages for assessments: the couple-page panel (assignments, risk alerts, results with
charts and the attachment map), assigning, acknowledging an alert, reading a response, and the
instrument library with each clinic's wording and reliability settings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from assessments import services
from assessments.api import instrument_rows
from assessments.forms import AcknowledgeForm, AssignForm, ReliabilityForm, WordingUploadForm
from assessments.models import Assignment, LicensedWording, Response, RiskAlert
from assessments.questionnaire import questionnaire_for
from assessments.result_charts import attachment_notes, attachment_svg, scores_svg
from assessments.results import couple_results
from assessments.scoring import UnknownInstrument, get_instrument
from assessments.selectors import (
    WORDING_CASES,
    acknowledged_alerts_for_couple,
    alerts_for_member,
    assignments_for_member,
    form_wording,
    open_alerts_for_couple,
    responses_for_member,
)
from clinic.audit import record_read
from clinic.form_errors import run_service
from clinic.page_access import clinic_member_required
from clinic.selectors import get_couple_for_member

#: acknowledged alerts per page of the couple page's alert history
ALERT_HISTORY_PAGE_SIZE = 10


def couple_panel(*, request, couple) -> dict:
    """Context of the couple page's assessments panel (the read is audited here)."""
    clinic = request.clinic
    today = services.local_today(clinic)
    assignments = list(
        Assignment.objects.for_clinic(clinic)
        .filter(couple=couple, cancelled_at__isnull=True)
        .order_by("instrument_code", "partner_id")
    )
    responses = list(
        Response.objects.for_clinic(clinic)
        .filter(couple=couple)
        .exclude(status="cancelled")
        .filter(opens_on__lte=today)
        .order_by("-due_on")[:30]
    )
    # Open alerts and the acknowledged history are two queries on purpose: one ordering over
    # both with a limit let PostgreSQL (NULLs sort last ascending) cut the open ones off.
    open_alerts = list(open_alerts_for_couple(clinic=clinic, couple=couple))
    history = Paginator(
        acknowledged_alerts_for_couple(clinic=clinic, couple=couple), ALERT_HISTORY_PAGE_SIZE
    ).get_page(request.GET.get("alerts_page"))
    results = couple_results(clinic=clinic, couple=couple)
    names = (couple.partner_a.display_name, couple.partner_b.display_name)
    charts = [(r, scores_svg(r, names)) for r in results]
    record_read(request, [*responses, *open_alerts, *history.object_list], clinic=clinic)
    return {
        "couple": couple,
        "today": today,
        "assignments": assignments,
        "responses": responses,
        "open_alerts": open_alerts,
        "alert_history": history,
        "results": charts,
        "attachment_map": attachment_svg(results, names),
        "attachment_notes": attachment_notes(results, names),
        "names": names,
        "ack_form": AcknowledgeForm(),
    }


def assigned_message(count: int) -> str:
    return f"Assigned {count} questionnaire{'' if count == 1 else 's'}."


@clinic_member_required
@require_http_methods(["GET", "POST"])
def assign_page(request, couple_id):
    couple = get_couple_for_member(
        clinic=request.clinic, membership=request.membership, couple_id=couple_id
    )
    form = AssignForm(request.POST or None, couple=couple, clinic=request.clinic)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = run_service(
            form,
            lambda: services.assignments_create(
                clinic=request.clinic,
                couple=couple,
                by=request.user,
                partners=form.chosen_partners(),
                instruments=data["instruments"],
                first_due_on=data["first_due_on"],
                repeat_every_weeks=data.get("repeat_every_weeks"),
                repeat_until=data.get("repeat_until"),
                request=request,
            ),
        )
        if created:
            messages.success(request, assigned_message(len(created)))
            return redirect("couple-detail", clinic_slug=request.clinic.slug, couple_id=couple.pk)
    return render(
        request,
        "assessments/assign.html",
        {"form": form, "couple": couple, "title": f"Assign questionnaires to {couple.label}"},
    )


def _assignment_action(request, assignment_id, action, done_message: str):
    assignment = (
        assignments_for_member(clinic=request.clinic, membership=request.membership)
        .select_related("couple", "partner")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        raise Http404("No such assignment.")
    try:
        action(assignment=assignment, by=request.user, request=request)
        messages.success(
            request, done_message.format(assignment.instrument_name, assignment.partner)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(
        f"{reverse('couple-detail', args=[request.clinic.slug, assignment.couple_id])}#assessments"
    )


@clinic_member_required
@require_POST
def assignment_cancel_page(request, assignment_id):
    """Cancel an assignment: what the partner has not submitted leaves their portal."""
    return _assignment_action(
        request,
        assignment_id,
        services.assignment_cancel,
        "{} for {} was cancelled; it no longer shows in the portal.",
    )


@clinic_member_required
@require_POST
def assignment_stop_page(request, assignment_id):
    """Stop a recurring assignment after the occurrences already open."""
    return _assignment_action(
        request,
        assignment_id,
        services.assignment_stop_repeating,
        "{} for {} will not repeat; anything already open stays to complete.",
    )


@clinic_member_required
@require_POST
def acknowledge_page(request, alert_id):
    alert = (
        alerts_for_member(clinic=request.clinic, membership=request.membership)
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise Http404("No such alert.")
    form = AcknowledgeForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.risk_alert_acknowledge(alert=alert, by=request.user, note=note, request=request)
        messages.success(request, "Alert acknowledged.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("couple-detail", clinic_slug=request.clinic.slug, couple_id=alert.couple_id)


@clinic_member_required
def response_page(request, response_id):
    response = (
        responses_for_member(clinic=request.clinic, membership=request.membership)
        .select_related("couple__partner_a", "couple__partner_b", "partner")
        .filter(pk=response_id)
        .first()
    )
    if response is None:
        raise Http404("No such response.")
    record_read(request, response)
    return render(
        request,
        "assessments/response_detail.html",
        {
            "response": response,
            "q": questionnaire_for(request.clinic, response),
            "alerts": RiskAlert.objects.for_clinic(request.clinic).filter(response=response),
        },
    )


@clinic_member_required
def instruments_page(request):
    return render(
        request, "assessments/instruments.html", {"instruments": instrument_rows(request.clinic)}
    )


@clinic_member_required
@require_http_methods(["GET", "POST"])
def instrument_page(request, code):
    try:
        instrument = get_instrument(code)
    except UnknownInstrument as exc:
        raise Http404("No such instrument.") from exc
    is_admin = request.membership.is_admin
    upload_form = WordingUploadForm()
    reliability_form = ReliabilityForm(instrument=instrument)
    if request.method == "POST":
        if not is_admin:
            raise Http404("Only a clinic admin can change instrument settings.")
        if request.POST.get("form") == "wording":
            upload_form = WordingUploadForm(request.POST, request.FILES)
            if upload_form.is_valid():
                upload = upload_form.cleaned_data["file"]
                done = run_service(
                    upload_form,
                    lambda: services.wording_upload(
                        clinic=request.clinic,
                        by=request.user,
                        instrument_code=instrument.code,
                        instrument_version=instrument.version,
                        content=upload.read(),
                        file_name=upload.name,
                        source=upload_form.cleaned_data["source"],
                        request=request,
                    ),
                )
                if done:
                    messages.success(request, "Wording uploaded; the instrument can be assigned.")
                    return redirect("instrument", clinic_slug=request.clinic.slug, code=code)
        else:
            reliability_form = ReliabilityForm(request.POST, instrument=instrument)
            if reliability_form.is_valid():
                data = reliability_form.cleaned_data
                done = run_service(
                    reliability_form,
                    lambda: services.reliability_override_set(
                        clinic=request.clinic, by=request.user, request=request, **data
                    ),
                )
                if done:
                    messages.success(request, "Reliability reference saved.")
                    return redirect("instrument", clinic_slug=request.clinic.slug, code=code)
    row = next(r for r in instrument_rows(request.clinic) if r["code"] == instrument.code)
    wording = form_wording(request.clinic, instrument)
    uploads = LicensedWording.objects.for_clinic(request.clinic).filter(
        instrument_code=instrument.code
    )
    return render(
        request,
        "assessments/instrument.html",
        {
            "instrument": instrument,
            "row": row,
            "wording": wording,
            "case_text": WORDING_CASES[wording.case],
            "items": [(item, wording.text(item.number)) for item in instrument.items],
            "uploads": uploads,
            "is_admin": is_admin,
            "upload_form": upload_form,
            "reliability_form": reliability_form,
        },
    )
