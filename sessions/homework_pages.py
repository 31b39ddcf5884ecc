"""Therapist pages for homework and measurements: give homework, see one (versions, answers,
weekly adherence), change a time-out agreement (a new version), end or archive homework, enter a
measurement, and import a device file (upload, preview every row, then confirm or discard).

Times are entered and shown in the clinic's time zone; refusals re-render with the message.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic.audit import record_event
from clinic.form_errors import run_service
from clinic.page_access import clinic_member_required
from clinic.selectors import get_couple_for_member
from sessions import homework_services, log_services, measurement_services
from sessions.homework_forms import (
    EndForm,
    HomeworkForm,
    ImportForm,
    MeasurementForm,
    ReasonForm,
    VersionForm,
)
from sessions.homework_panels import homework_rows
from sessions.homework_selectors import (
    agreement_status_of,
    check_ins_of,
    current_version,
    practice_logs_of,
    time_out_logs_of,
    with_agreements,
)
from sessions.models import (
    Homework,
    HomeworkKind,
    ImportStatus,
    MeasurementImport,
    TherapySession,
)

PAGE = "page"


def couple_page(view):
    """A staff page under a couple: membership, the couple (404 if hidden), clinic time."""

    @clinic_member_required
    @wraps(view)
    def wrapper(request, couple_id, *args, **kwargs):
        couple = get_couple_for_member(
            clinic=request.clinic, membership=request.membership, couple_id=couple_id
        )
        couple.clinic = request.clinic
        request.couple = couple
        with timezone.override(request.clinic.tz):
            return view(request, couple, *args, **kwargs)

    return wrapper


def _back_to_couple(couple):
    return redirect("couple-detail", clinic_slug=couple.clinic.slug, couple_id=couple.pk)


def _homework_of(couple, homework_id) -> Homework:
    homework = (
        with_agreements(Homework.objects.for_clinic(couple.clinic).filter(couple=couple))
        .filter(pk=homework_id)
        .first()
    )
    if homework is None:
        raise Http404("No such homework.")
    return homework


KIND_TITLES = {
    HomeworkKind.TIME_OUT: "Agree a time-out",
    HomeworkKind.PRACTICE: "Give a breathing or mindfulness practice",
    HomeworkKind.OTHER: "Give another task",
}


@couple_page
@require_http_methods(["GET", "POST"])
def homework_new(request, couple):
    kind = request.GET.get("kind", HomeworkKind.PRACTICE)
    if kind not in HomeworkKind.values:
        raise Http404("Unknown kind of homework.")
    form = HomeworkForm(request.POST or None, couple=couple, kind=kind)
    if request.method == "POST" and form.is_valid():
        homework = run_service(
            form,
            lambda: homework_services.homework_create(
                couple=couple, by=request.user, request=request, **form.service_kwargs()
            ),
        )
        if homework:
            messages.success(request, f"“{homework.title}” was given.")
            return redirect(
                "homework-page",
                clinic_slug=request.clinic.slug,
                couple_id=couple.pk,
                homework_id=homework.pk,
            )
    return render(
        request,
        "sessions/homework_form.html",
        {"form": form, "couple": couple, "title": KIND_TITLES[kind], "submit": "Give homework"},
        status=400 if form.is_bound and form.errors else 200,
    )


@couple_page
def homework_page(request, couple, homework_id):
    homework = _homework_of(couple, homework_id)
    record_event(
        clinic=request.clinic,
        actor=request.user,
        action="read",
        obj=homework,
        request=request,
        channel=PAGE,
    )
    version = current_version(homework) if homework.is_time_out else None
    return render(
        request,
        "sessions/homework_detail.html",
        {
            "couple": couple,
            "homework": homework,
            "row": homework_rows([homework], couple)[0],
            "versions": list(reversed(homework.versions.all())),
            "status": agreement_status_of(homework, couple),
            "version_form": VersionForm(couple=couple, current=version) if version else None,
            "end_form": EndForm(),
            "archive_form": ReasonForm(),
            "partner_names": {p.pk: p.display_name for p in couple.partners},
        },
    )


def _redirect_to(homework):
    return redirect(
        "homework-page",
        clinic_slug=homework.clinic.slug,
        couple_id=homework.couple_id,
        homework_id=homework.pk,
    )


@couple_page
@require_POST
def homework_revise(request, couple, homework_id):
    homework = _homework_of(couple, homework_id)
    if homework.kind != HomeworkKind.TIME_OUT:
        raise Http404("Only a time-out agreement has versions to revise.")
    form = VersionForm(request.POST, couple=couple, current=current_version(homework))
    if form.is_valid():
        version = run_service(
            form,
            lambda: homework_services.agreement_revise(
                homework=homework, by=request.user, request=request, **form.cleaned_data
            ),
        )
        if version:
            messages.success(
                request, f"Version {version.number} saved; both partners are asked to accept it."
            )
            return _redirect_to(homework)
    return render(
        request,
        "sessions/homework_form.html",
        {
            "form": form,
            "couple": couple,
            "title": f"Change “{homework.title}”",
            "submit": "Save new version",
        },
        status=400,
    )


@couple_page
@require_POST
def homework_end(request, couple, homework_id):
    homework = _homework_of(couple, homework_id)
    form = EndForm(request.POST)
    if form.is_valid():
        ended = run_service(
            form,
            lambda: homework_services.homework_end(
                homework=homework,
                by=request.user,
                on=form.cleaned_data["end_date"],
                reason=form.cleaned_data["reason"],
                request=request,
            ),
        )
        if ended:
            messages.success(request, f"“{homework.title}” has ended.")
            return _redirect_to(homework)
    messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return _redirect_to(homework)


# Staff take back a partner's entry by the kind named in its URL (as on the portal).
STAFF_LOG_KINDS = {
    "practice": (practice_logs_of, "practice"),
    "time-out": (time_out_logs_of, "time-out"),
    "check-in": (check_ins_of, "check-in"),
}


@couple_page
@require_POST
def log_void(request, couple, kind, log_id):
    """Take back (void) a partner's practice log, time-out log or check-in with a reason; the
    entry stays on record, marked, and the change is audited."""
    if kind not in STAFF_LOG_KINDS:
        raise Http404("No such kind of entry.")
    selector, noun = STAFF_LOG_KINDS[kind]
    log = selector(couple=couple).filter(pk=log_id).first()
    if log is None:
        raise Http404("No such entry.")
    form = ReasonForm(request.POST)
    if form.is_valid() and run_service(
        form,
        lambda: log_services.log_void(
            log=log,
            by=request.user,
            reason=form.cleaned_data["reason"],
            staff=True,
            request=request,
            channel=PAGE,
        ),
    ):
        messages.success(request, f"The {noun} entry was taken back; it stays on record, marked.")
    else:
        problems = " ".join(m for errors in form.errors.values() for m in errors)
        messages.error(request, f"The {noun} entry was not taken back. {problems}")
    return redirect(
        reverse("couple-detail", args=[couple.clinic.slug, couple.pk]) + "#homework-logs"
    )


@couple_page
@require_POST
def homework_archive(request, couple, homework_id):
    homework = _homework_of(couple, homework_id)
    form = ReasonForm(request.POST)
    if form.is_valid() and run_service(
        form,
        lambda: homework_services.homework_archive(
            homework=homework, by=request.user, reason=form.cleaned_data["reason"], request=request
        ),
    ):
        messages.success(request, f"“{homework.title}” is archived; the partners no longer see it.")
        return _back_to_couple(couple)
    messages.error(request, "Say why the homework is archived.")
    return _redirect_to(homework)


# --- measurements ----------------------------------------------------------------------------


@couple_page
@require_http_methods(["GET", "POST"])
def measurement_new(request, couple):
    sessions = list(
        TherapySession.objects.for_clinic(request.clinic)
        .filter(couple=couple)
        .order_by("-starts_at")[:30]
    )
    form = MeasurementForm(request.POST or None, couple=couple, sessions=sessions)
    if request.method == "POST" and form.is_valid():
        measurement = run_service(
            form,
            lambda: measurement_services.measurement_record(
                couple=couple,
                by=request.user,
                request=request,
                channel=PAGE,
                **form.service_kwargs(),
            ),
        )
        if measurement:
            text = f"The reading was saved ({measurement.value:g} {measurement.unit})."
            for warning in measurement.warnings:
                text += f" Note: {warning}"
            messages.success(request, text)
            return _back_to_couple(couple)
    return render(
        request,
        "sessions/measurement_form.html",
        {"form": form, "couple": couple, "title": "Enter a measurement", "submit": "Save"},
        status=400 if form.is_bound and form.errors else 200,
    )


@couple_page
@require_http_methods(["GET", "POST"])
def measurement_import_new(request, couple):
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        couple=couple,
        initial={"time_zone": request.clinic.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        pending = run_service(
            form,
            lambda: measurement_services.import_preview(
                couple=couple,
                partner=form.chosen_partner(),
                by=request.user,
                text=measurement_services.decode_upload(upload.read()),
                filename=upload.name,
                time_zone=form.cleaned_data["time_zone"],
                request=request,
            ),
        )
        if pending:
            return redirect(
                "measurement-import-page",
                clinic_slug=request.clinic.slug,
                couple_id=couple.pk,
                import_id=pending.pk,
            )
    return render(
        request,
        "sessions/measurement_form.html",
        {
            "form": form,
            "couple": couple,
            "title": "Import measurements from a file",
            "submit": "Preview",
            "multipart": True,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@couple_page
@require_http_methods(["GET", "POST"])
def measurement_import_page(request, couple, import_id):
    pending = (
        MeasurementImport.objects.for_clinic(request.clinic)
        .filter(couple=couple, pk=import_id)
        .select_related("partner")
        .first()
    )
    if pending is None:
        raise Http404("No such import.")
    if request.method == "POST" and pending.status == ImportStatus.PENDING:
        try:
            if request.POST.get("action") == "discard":
                measurement_services.import_discard(
                    measurement_import=pending, by=request.user, request=request
                )
                messages.success(request, "The import was discarded; nothing was added.")
            else:
                added = measurement_services.import_confirm(
                    measurement_import=pending, by=request.user, request=request
                )
                messages.success(request, f"{len(added)} readings were added.")
            return _back_to_couple(couple)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            pending.refresh_from_db()
    record_event(
        clinic=request.clinic,
        actor=request.user,
        action="read",
        obj=pending,
        request=request,
        channel=PAGE,
    )
    return render(
        request,
        "sessions/measurement_import.html",
        {"couple": couple, "pending": pending},
        status=400 if request.method == "POST" else 200,
    )
