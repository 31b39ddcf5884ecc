"""Report pages: request a report from the couple page, list and download; clinic exports."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from clinic.form_errors import add_service_errors
from clinic.page_access import clinic_member_required, portal_client_required
from clinic.pages import render_couple_page
from clinic.permissions import admin_page
from clinic.selectors import get_couple_for_member
from reports import api, services
from reports.broker import BrokerUnavailable
from reports.forms import ExportRequestForm, ReportRequestForm
from reports.models import ClinicExport, ProgressReport
from reports.selectors import reports_for_member, reports_for_partner
from sessions.local_dates import clinic_today


def couple_reports_panel(*, request, couple) -> dict:
    """Context of the Reports panel on the couple page; a refused request shows its own form
    again, open, with everything that was typed."""
    refused = getattr(request, "refused_report_form", None)
    today = clinic_today(request.clinic)
    return {
        "reports": ProgressReport.objects.for_clinic(request.clinic)
        .filter(couple=couple, export__isnull=True)
        .select_related("shared_by")[:20],
        "form": refused
        or ReportRequestForm(
            couple=couple, initial={"period_start": today - timedelta(days=90), "period_end": today}
        ),
        "open": refused is not None,
        "couple": couple,
    }


@clinic_member_required
@require_http_methods(["POST"])
def report_request_page(request, couple_id):
    couple = get_couple_for_member(
        clinic=request.clinic, membership=request.membership, couple_id=couple_id
    )
    form = ReportRequestForm(request.POST, couple=couple)
    if form.is_valid():
        try:
            reports = services.report_request(
                clinic=request.clinic,
                by=request.user,
                couple=couple,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except BrokerUnavailable:
            form.add_error(None, api.BROKER_DOWN)
        else:
            count = len(reports)
            messages.success(
                request,
                "1 report requested. This page shows when it is ready."
                if count == 1
                else f"{count} reports requested. This page shows when they are ready.",
            )
            return redirect(
                f"{reverse('couple-detail', args=[request.clinic.slug, couple.pk])}#reports"
            )
    # Nothing the person chose is lost: the couple page comes back with this form open.
    request.refused_report_form = form
    return render_couple_page(request, couple)


@clinic_member_required
def report_download(request, report_id):
    report = (
        reports_for_member(clinic=request.clinic, membership=request.membership)
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise Http404
    return api.download_response(
        report,
        clinic=request.clinic,
        user=request.user,
        request=request,
        filename=api.report_filename(report),
    )


@clinic_member_required
@require_http_methods(["POST"])
def report_share_page(request, report_id):
    """Share a report with the partner(s) or stop sharing it (`action` = share | unshare)."""
    report = (
        reports_for_member(clinic=request.clinic, membership=request.membership)
        .filter(pk=report_id, export__isnull=True)
        .select_related("couple")
        .first()
    )
    if report is None:
        raise Http404
    share = request.POST.get("action") != "unshare"
    try:
        if share:
            services.report_share(report=report, by=request.user, request=request)
            whom = "both partners" if report.audience == "couple" else "the partner"
            messages.success(request, f"Shared with {whom}: it is in their portal now.")
        else:
            services.report_unshare(report=report, by=request.user, request=request)
            messages.success(request, "No longer shared: it has left the portal.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    url = reverse(
        "couple-detail", kwargs={"clinic_slug": request.clinic.slug, "couple_id": report.couple_id}
    )
    return redirect(f"{url}#reports")


@clinic_member_required
@admin_page
@require_http_methods(["GET", "POST"])
def exports_page(request):
    today = clinic_today(request.clinic)
    # The last full quarter up to today, so the form can be sent as it stands.
    form = ExportRequestForm(
        request.POST or None,
        initial={"period_start": today - timedelta(days=90), "period_end": today},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.export_request(
                clinic=request.clinic, by=request.user, request=request, **form.cleaned_data
            )
            # True whether a worker will build it or it was built in-process already.
            messages.success(request, "Export requested. This page shows when it is ready.")
            return redirect("exports", clinic_slug=request.clinic.slug)
        except ValidationError as exc:
            form.add_error(None, exc)
        except BrokerUnavailable:
            form.add_error(None, api.BROKER_DOWN)
    exports = ClinicExport.objects.for_clinic(request.clinic)[:20]
    return render(request, "reports/exports.html", {"form": form, "exports": exports})


@clinic_member_required
@admin_page
def export_download(request, export_id):
    export = ClinicExport.objects.for_clinic(request.clinic).filter(pk=export_id).first()
    if export is None:
        raise Http404
    return api.download_response(
        export,
        clinic=request.clinic,
        user=request.user,
        request=request,
        filename=f"attune-export-{export.period_start}-{export.period_end}.zip",
    )


@portal_client_required
def portal_report_download(request, report_id):
    report = (
        reports_for_partner(clinic=request.clinic, couple=request.couple, client=request.client)
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise Http404
    return api.download_response(
        report,
        clinic=request.clinic,
        user=request.user,
        request=request,
        filename=api.report_filename(report),
    )


def portal_reports_section(*, request) -> dict:
    reports = reports_for_partner(
        clinic=request.clinic, couple=request.couple, client=request.client
    )
    return {"reports": reports[:10]}
