"""Portal pages where a partner completes a questionnaire: a short grounding note before trauma
measures, one fieldset per item with labelled radio buttons and "prefer not to answer", save and
come back, submit once. Works on a phone and by keyboard alone."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from assessments import services
from assessments.models import ResponseStatus
from assessments.portal_api import portal_visible
from assessments.questionnaire import client_result, questionnaire_for
from assessments.result_charts import attachment_notes, attachment_svg, scores_svg
from assessments.results import results_for_partner
from clinic.audit import record_read
from clinic.confidentiality import couple_sharing
from clinic.page_access import portal_client_required


def _own_response(request, response_id):
    """The partner's own opened questionnaire, else 404 (the other partner's included)."""
    today = services.local_today(request.clinic)
    response = portal_visible(request.client, today).filter(pk=response_id).first()
    if response is None:
        raise Http404("No such questionnaire.")
    return response


def _answers_from(post, questionnaire) -> dict:
    """Every item's choice from the form; an item left blank or marked "prefer not to answer"
    is cleared (absent), never stored as a value."""
    return {
        str(item.number): (post.get(f"item-{item.number}") or None) for item in questionnaire.items
    }


@portal_client_required
@require_http_methods(["GET", "POST"])
def questionnaire_page(request, response_id):
    response = _own_response(request, response_id)
    if response.is_declined and request.method == "GET":
        messages.info(
            request, "You chose not to answer this one. Tell your therapist if that changes."
        )
        return redirect("portal-home")
    if response.status == ResponseStatus.SUBMITTED:
        if request.method == "POST":
            # Submitted answers are final: say so plainly rather than silently ignoring the form.
            return render(
                request,
                "assessments/portal_done.html",
                {
                    "q": questionnaire_for(request.clinic, response),
                    "response": response,
                    "result": client_result(request.clinic, response),
                    "error": "These answers were already sent and are final; nothing was "
                    "changed. If something needs correcting, tell your therapist.",
                },
                status=409,
            )
        return redirect("portal-questionnaire-done", response_id=response.pk)
    questionnaire = questionnaire_for(request.clinic, response)
    error = None
    status = 200
    confirm = None
    if request.method == "POST":
        answers = _answers_from(request.POST, questionnaire)
        action = request.POST.get("action")
        try:
            if action == "confirm-submit":
                services.response_submit(
                    response=response,
                    answers=answers,
                    by=request.user,
                    request=request,
                )
                return redirect("portal-questionnaire-done", response_id=response.pk)
            if action == "decline":
                services.response_decline(response=response, by=request.user, request=request)
                messages.success(
                    request,
                    f"Noted: you chose not to answer the {questionnaire.instrument.short_name}. "
                    "Your therapist will see that you skipped it.",
                )
                return redirect("portal-home")
            response = services.response_save(
                response=response,
                answers=answers,
                by=request.user,
                request=request,
            )
            if action != "submit":
                messages.success(request, "Saved. You can come back and finish whenever you like.")
                return redirect("portal-home")
            # Submitting is final: the answers are kept as a draft and the partner confirms,
            # told how many questions are still unanswered.
            unanswered = services.unanswered_count(response)
            total = len(questionnaire.items)
            confirm = {"unanswered": unanswered, "total": total, "nothing": unanswered == total}
        except services.ResponseFinal as exc:
            error, status = str(exc), 409
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 400
        response.refresh_from_db()
        questionnaire = questionnaire_for(request.clinic, response)
    else:
        record_read(request, response)
    grounding_first = (
        request.method == "GET"
        and questionnaire.grounding_note
        and response.status == ResponseStatus.PENDING
        and request.GET.get("ready") != "1"
    )
    return render(
        request,
        "assessments/portal_grounding.html" if grounding_first else "assessments/portal_form.html",
        {
            "q": questionnaire,
            "response": response,
            "error": error,
            "confirm": confirm,
            "nothing_answered": services.NOTHING_ANSWERED,
        },
        status=status,
    )


@portal_client_required
def questionnaire_done(request, response_id):
    response = _own_response(request, response_id)
    if response.status != ResponseStatus.SUBMITTED:
        return redirect("portal-questionnaire", response_id=response.pk)
    record_read(request, response)
    questionnaire = questionnaire_for(request.clinic, response)
    return render(
        request,
        "assessments/portal_done.html",
        {
            "q": questionnaire,
            "response": response,
            "result": client_result(request.clinic, response),
        },
    )


def portal_section(*, request) -> dict:
    """The portal home's list: what is waiting (soonest due first) and what was recently sent."""
    today = services.local_today(request.clinic)
    visible = portal_visible(request.client, today)
    waiting = list(visible.open().order_by("due_on"))
    recent = list(visible.submitted().order_by("-submitted_at")[:5])
    return {"waiting": waiting, "recent": recent, "today": today}


@portal_client_required
def results_page(request):
    """The partner's own scores over time (and the other partner's where the couple's policy
    shares them), with bands only where the clinic shows them to clients."""
    couple = request.couple
    results, shares = [], False
    charts: list = []
    names = ("", "")
    show_bands = request.clinic.show_score_bands_to_clients
    if couple is not None:
        results, shares = results_for_partner(
            clinic=request.clinic, couple=couple, client=request.client
        )
        names = (couple.partner_a.display_name, couple.partner_b.display_name)
        charts = [(r, scores_svg(r, names, show_bands=show_bands)) for r in results]
        record_read(
            request, couple, detail={"view": "questionnaire-results", "partner_results": shares}
        )
    return render(
        request,
        "assessments/portal_results.html",
        {
            "results": charts,
            "shares": shares,
            # Shared "from now on": the other partner's scores start at the change.
            "shared_since": couple_sharing(couple).since if shares and couple else None,
            "show_bands": show_bands,
            "names": names,
            "attachment_map": (
                attachment_svg(results, names, quadrant_names=show_bands) if results else None
            ),
            "attachment_notes": attachment_notes(results, names) if results else [],
        },
    )
