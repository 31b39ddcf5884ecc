"""Portal API for a partner's own questionnaires: list what is due, open one, save answers as
they go, submit (an all-blank submission is a 400), or decline. A partner reaches only their
own responses (another's is a 404); submitted or declined answers are final (409 with a
message saying so)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments import serializers as s
from assessments import services
from assessments.models import Response as QuestionnaireResponse
from assessments.models import ResponseStatus
from assessments.questionnaire import client_result, questionnaire_for
from assessments.results import answers_visible_to, results_for_partner, results_payload
from assessments.selectors import responses_for_partner
from clinic.api_errors import conflict
from clinic.audit import record_read
from clinic.portal_api_base import PortalAPIView, PortalViewSet


def portal_visible(client, today):
    """A partner's questionnaires that have opened (due, started or submitted); future
    occurrences and withdrawn ones stay out of sight."""
    return (
        responses_for_partner(client=client)
        .filter(opens_on__lte=today)
        .exclude(status=ResponseStatus.CANCELLED)
    )


def detail_payload(clinic, response) -> dict:
    """The questionnaire as the partner sees it, with their result once submitted."""
    questionnaire = questionnaire_for(clinic, response)
    return {
        "response": response,
        "instrument": questionnaire.instrument,
        "wording": questionnaire.wording,
        "grounding_note": questionnaire.grounding_note,
        "copyright": questionnaire.copyright,
        "crisis_text": questionnaire.crisis_text,
        "items": questionnaire.items,
        "result": client_result(clinic, response),
    }


class PortalQuestionnaireViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalViewSet):
    """My questionnaires: open ones first by due date, then those I have submitted."""

    serializer_class = s.PortalQuestionnaireSerializer
    model = QuestionnaireResponse
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return QuestionnaireResponse.objects.none()
        return portal_visible(self.client, self.today).order_by("submitted_at", "due_on")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.today = services.local_today(self.clinic)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": getattr(self, "today", None)}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = page if page is not None else list(self.get_queryset())
        record_read(request, rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _detail(self, response, status=200):
        data = s.PortalQuestionnaireDetailSerializer(
            detail_payload(self.clinic, response), context=self.get_serializer_context()
        ).data
        return Response(data, status=status)

    @extend_schema(responses=s.PortalQuestionnaireDetailSerializer)
    def retrieve(self, request, pk):
        response = self.get_object()
        record_read(request, response)
        return self._detail(response)

    @extend_schema(
        request=s.PortalAnswersSerializer, responses=s.PortalQuestionnaireDetailSerializer
    )
    def partial_update(self, request, pk):
        response = self.get_object()
        data = self.validated(s.PortalAnswersSerializer)
        try:
            response = services.response_save(
                response=response,
                answers=data["answers"],
                by=request.user,
                request=request,
            )
        except services.ResponseFinal as exc:
            return conflict(str(exc))
        return self._detail(response)

    @extend_schema(
        request=s.PortalSubmitSerializer, responses=s.PortalQuestionnaireDetailSerializer
    )
    @action(detail=True, methods=["post"], url_path="submit")
    def submit(self, request, pk):
        response = self.get_object()
        data = self.validated(s.PortalSubmitSerializer)
        try:
            response = services.response_submit(
                response=response,
                answers=data.get("answers"),
                by=request.user,
                request=request,
            )
        except services.ResponseFinal as exc:
            return conflict(str(exc))
        return self._detail(response)

    @extend_schema(request=None, responses=s.PortalQuestionnaireDetailSerializer)
    @action(detail=True, methods=["post"], url_path="decline")
    def decline(self, request, pk):
        """ "I'd rather not answer this one": final, recorded as declined, never scored."""
        response = self.get_object()
        try:
            response = services.response_decline(
                response=response, by=request.user, request=request
            )
        except services.ResponseFinal as exc:
            return conflict(str(exc))
        return self._detail(response)


class PortalResultsView(PortalAPIView):
    """My scores over time, and my partner's where our couple's sharing policy allows; bands
    only where the clinic shows them to clients; item answers (`answers`, item number to value)
    for mine, and for my partner's only where the policy shares questionnaire answers."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if self.couple is None:
            return Response({"partner_results_shared": False, "instruments": []})
        results, shares = results_for_partner(
            clinic=self.clinic, couple=self.couple, client=self.client
        )
        record_read(
            request,
            self.couple,
            detail={"view": "questionnaire-results", "partner_results": shares},
        )
        payload = results_payload(
            results,
            staff=False,
            show_bands=self.clinic.show_score_bands_to_clients,
            answers_of=answers_visible_to(couple=self.couple, client=self.client),
        )
        return Response({"partner_results_shared": shares, "instruments": payload})
