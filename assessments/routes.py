"""Routes of this app, mounted by clinic/urls.py (see clinic/routes.py for the clinic app itself).

api_urlpatterns:          under /api/v1/clinics/<clinic_slug>/
portal_api_urlpatterns:   under /api/v1/portal/
page_urlpatterns:         under /c/<clinic_slug>/
portal_page_urlpatterns:  under /portal/
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from assessments import api, pages, portal_api, portal_pages

router = SimpleRouter(use_regex_path=False)
router.register("assignments", api.AssignmentViewSet, basename="assessment-assignment")
router.register("responses", api.ResponseViewSet, basename="assessment-response")
router.register("risk-alerts", api.RiskAlertViewSet, basename="risk-alert")
router.register("instrument-wordings", api.LicensedWordingViewSet, basename="instrument-wording")
router.register(
    "reliability-overrides", api.ReliabilityOverrideViewSet, basename="reliability-override"
)
router.register(
    "fhir/QuestionnaireResponse",
    api.FhirQuestionnaireResponseViewSet,
    basename="fhir-questionnaire-response",
)

portal_router = SimpleRouter(use_regex_path=False)
portal_router.register(
    "questionnaires", portal_api.PortalQuestionnaireViewSet, basename="portal-questionnaire"
)

api_urlpatterns: list = [
    path("instruments/", api.InstrumentListView.as_view(), name="api-instruments"),
    path(
        "fhir/Questionnaire/",
        api.FhirQuestionnaireListView.as_view(),
        name="api-fhir-questionnaires",
    ),
    path(
        "couples/<uuid:couple_id>/assignments/",
        api.CoupleAssignmentViewSet.as_view({"get": "list", "post": "create"}),
        name="api-couple-assignments",
    ),
    path(
        "couples/<uuid:couple_id>/responses/",
        api.CoupleResponseViewSet.as_view({"get": "list"}),
        name="api-couple-responses",
    ),
    path(
        "couples/<uuid:couple_id>/assessment-results/",
        api.CoupleResultsView.as_view(),
        name="api-couple-assessment-results",
    ),
    path(
        "assessment-summaries/",
        api.AssessmentSummaryViewSet.as_view({"get": "list"}),
        name="api-assessment-summaries",
    ),
    *router.urls,
]
portal_api_urlpatterns: list = [
    path("results/", portal_api.PortalResultsView.as_view(), name="api-portal-results"),
    *portal_router.urls,
]
page_urlpatterns: list = [
    path(
        "couples/<uuid:couple_id>/assessments/assign/",
        pages.assign_page,
        name="assessment-assign",
    ),
    path(
        "risk-alerts/<uuid:alert_id>/acknowledge/",
        pages.acknowledge_page,
        name="risk-alert-acknowledge",
    ),
    path(
        "assignments/<uuid:assignment_id>/cancel/",
        pages.assignment_cancel_page,
        name="assessment-assignment-cancel",
    ),
    path(
        "assignments/<uuid:assignment_id>/stop/",
        pages.assignment_stop_page,
        name="assessment-assignment-stop",
    ),
    path("responses/<uuid:response_id>/", pages.response_page, name="assessment-response"),
    path("instruments/", pages.instruments_page, name="instruments"),
    path("instruments/<slug:code>/", pages.instrument_page, name="instrument"),
]
portal_page_urlpatterns: list = [
    path(
        "questionnaires/<uuid:response_id>/",
        portal_pages.questionnaire_page,
        name="portal-questionnaire",
    ),
    path(
        "questionnaires/<uuid:response_id>/done/",
        portal_pages.questionnaire_done,
        name="portal-questionnaire-done",
    ),
    path("results/", portal_pages.results_page, name="portal-results"),
]
