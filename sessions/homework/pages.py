"""Therapist pages for homework: give homework, see one (versions, answers, weekly adherence),
change a time-out agreement (a new version), end or archive homework.

Times are entered and shown in the clinic's time zone; refusals re-render with the message.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from clinic.audit import record_read
from clinic.form_errors import run_service
from sessions.homework import services as homework_services
from sessions.homework.extensions import homework_rows
from sessions.homework.forms import EndForm, HomeworkForm, ReasonForm, VersionForm
from sessions.homework.selectors import agreement_status_of, current_version, with_agreements
from sessions.models import (
    Homework,
    HomeworkKind,
)
from sessions.staff_pages import _back_to_couple, couple_page


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
    record_read(request, homework)
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
