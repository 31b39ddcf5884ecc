"""Portal pages of guided practice: the paced breathing screen, alone or together, and the
server clock the screens pace from.

The screen is progressive: without JavaScript it is a plain log form. With it
(sessions/static/sessions/breathing.js, no inline script, so a strict CSP allows it) a shape
grows and shrinks with each breath, a timer runs, and the log is saved when the practice ends.
"""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic.audit import record_read
from clinic.form_errors import run_service
from sessions.portal.pages import portal_page
from sessions.practice import services
from sessions.practice.forms import GuidedPracticeForm, StartTogetherForm
from sessions.practice.selectors import guided_practices_for, joint_practice_for, pace_of


def _guided_homework(request, homework_id):
    homework = (
        guided_practices_for(couple=request.couple, client=request.client)
        .filter(pk=homework_id)
        .first()
    )
    pace = pace_of(homework) if homework is not None else None
    if pace is None:
        raise Http404("No guided practice here.")
    return homework, pace


def _screen(request, *, homework, pace, form, joint=None):
    record_read(request, joint or homework)
    return render(
        request,
        "sessions/portal_breathing.html",
        {
            "homework": homework,
            "pace": pace,
            "form": form,
            "joint": joint,
            "start_form": StartTogetherForm(initial={"minutes": homework.minutes or 10}),
            "together_possible": homework.partner_id is None and joint is None,
            "starts_ms": int(joint.starts_at.timestamp() * 1000) if joint else "",
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _save(request, *, homework, form, joint=None):
    log = run_service(
        form,
        lambda: services.guided_practice_save(
            couple=request.couple,
            partner=request.client,
            by=request.user,
            homework=homework,
            minutes=form.cleaned_data["minutes"],
            started_at=form.started_at(),
            together=joint,
            request=request,
            **form.ratings(),
        ),
    )
    if log:
        messages.success(
            request,
            "Your practice together is saved. Well done, both of you."
            if joint
            else "Your practice is saved. Well done for taking the time.",
        )
    return log


@portal_page
@require_http_methods(["GET", "POST"])
def guided_page(request, homework_id):
    """Practise alone, paced by the homework's preset and rate."""
    homework, pace = _guided_homework(request, homework_id)
    form = GuidedPracticeForm(request.POST or None, minutes=homework.minutes or 10)
    if (
        request.method == "POST"
        and form.is_valid()
        and _save(request, homework=homework, form=form)
    ):
        return redirect("portal-home")
    return _screen(request, homework=homework, pace=pace, form=form)


@portal_page
@require_POST
def together_start(request, homework_id):
    """Start breathing together: the other partner is offered to join on their portal."""
    homework, _ = _guided_homework(request, homework_id)
    form = StartTogetherForm(request.POST)
    if form.is_valid():
        joint = run_service(
            form,
            lambda: services.joint_practice_start(
                couple=request.couple,
                partner=request.client,
                by=request.user,
                homework=homework,
                minutes=form.cleaned_data["minutes"],
                request=request,
            ),
        )
        if joint:
            return redirect("portal-breathe-together", joint_id=joint.pk)
    messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("portal-guided-practice", homework_id=homework.pk)


@portal_page
@require_http_methods(["GET", "POST"])
def together_page(request, joint_id):
    """Either partner's screen of a joint practice: the same breath on both phones."""
    joint = joint_practice_for(couple=request.couple, joint_id=joint_id)
    if joint is None:
        raise Http404("No such practice.")
    homework, pace = joint.homework, pace_of(joint.homework)
    if pace is None or homework.archived_at:
        raise Http404("No such practice.")
    form = GuidedPracticeForm(request.POST or None, minutes=joint.minutes)
    if (
        request.method == "POST"
        and form.is_valid()
        and _save(request, homework=homework, form=form, joint=joint)
    ):
        return redirect("portal-home")
    return _screen(request, homework=homework, pace=pace, form=form, joint=joint)


@portal_page
@never_cache
@require_GET
def clock(request):
    """The server's time in milliseconds, for the screens' clock offset."""
    return JsonResponse({"now": int(timezone.now().timestamp() * 1000)})
