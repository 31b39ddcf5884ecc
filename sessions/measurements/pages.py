"""Therapist pages for measurements: enter a reading, and import a device file (upload, preview
every row, then confirm or discard).

Times are entered and shown in the clinic's time zone; refusals re-render with the message.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from clinic.audit import record_read
from clinic.form_errors import run_service
from sessions.measurements import services as measurement_services
from sessions.measurements.device_import.examples import EXAMPLES
from sessions.measurements.device_import.formats import FORMATS
from sessions.measurements.forms import ImportForm, MeasurementForm
from sessions.measurements.selectors import preview_page, readable_rows
from sessions.models import (
    ImportStatus,
    MeasurementImport,
    TherapySession,
)
from sessions.staff_pages import _back_to_couple, couple_page


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
    example = EXAMPLES.get(request.GET.get("template", ""))
    if request.method == "GET" and example is not None:
        name, text = example
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
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
                text=measurement_services.read_upload(upload),
                filename=upload.name,
                format_code=form.cleaned_data["format"] or None,
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
            "templates": [(FORMATS[code], f"?template={code}") for code in EXAMPLES],
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
                messages.success(
                    request,
                    "1 reading was added."
                    if len(added) == 1
                    else f"{len(added)} readings were added.",
                )
            return _back_to_couple(couple)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            pending.refresh_from_db()
    record_read(request, pending)
    page = preview_page(pending, request.GET.get("page"))
    return render(
        request,
        "sessions/measurement_import.html",
        {
            "couple": couple,
            "pending": pending,
            "format_label": FORMATS.get(pending.format, pending.format),
            "page": page,
            "rows": readable_rows(page.rows),
        },
        status=400 if request.method == "POST" else 200,
    )
