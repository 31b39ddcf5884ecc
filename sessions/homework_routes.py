"""Routes for homework, logs, check-ins and measurements; sessions/routes.py adds these lists
to the app's own (see there for where each list is mounted)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from sessions import api_homework, api_measurements, homework_pages, portal_api, portal_pages

COUPLE = "couples/<uuid:couple_id>"

staff_router = SimpleRouter(use_regex_path=False)
staff_router.register(f"{COUPLE}/homework", api_homework.HomeworkViewSet, basename="homework")
staff_router.register(
    f"{COUPLE}/practice-logs", api_homework.PracticeLogViewSet, basename="practice-log"
)
staff_router.register(
    f"{COUPLE}/time-out-logs", api_homework.TimeOutLogViewSet, basename="time-out-log"
)
staff_router.register(f"{COUPLE}/check-ins", api_homework.CheckInViewSet, basename="check-in")
staff_router.register(
    f"{COUPLE}/measurements", api_measurements.MeasurementViewSet, basename="measurement"
)
staff_router.register(
    f"{COUPLE}/measurement-imports",
    api_measurements.MeasurementImportViewSet,
    basename="measurement-import",
)

api_urlpatterns = [
    path(
        "measurement-kinds/",
        api_measurements.MeasurementKindsView.as_view(),
        name="measurement-kinds",
    ),
    path(
        f"{COUPLE}/adherence/",
        api_homework.CoupleAdherenceView.as_view(),
        name="couple-adherence",
    ),
    path(
        f"{COUPLE}/regulation/",
        api_homework.CoupleRegulationView.as_view(),
        name="couple-regulation",
    ),
    *staff_router.urls,
]

portal_router = SimpleRouter(use_regex_path=False)
portal_router.register("homework", portal_api.PortalHomeworkViewSet, basename="portal-homework")
portal_router.register(
    "practice-logs", portal_api.PortalPracticeLogViewSet, basename="portal-practice-log"
)
portal_router.register(
    "time-out-logs", portal_api.PortalTimeOutLogViewSet, basename="portal-time-out-log"
)
portal_router.register("check-ins", portal_api.PortalCheckInViewSet, basename="portal-check-in")
portal_router.register(
    "measurements", portal_api.PortalMeasurementViewSet, basename="portal-measurement"
)

portal_api_urlpatterns = [
    path(
        "upcoming-sessions/",
        portal_api.PortalUpcomingSessionsView.as_view(),
        name="portal-upcoming-sessions",
    ),
    *portal_router.urls,
]

H = homework_pages
HOMEWORK = f"{COUPLE}/homework/<uuid:homework_id>"
page_urlpatterns = [
    path(f"{COUPLE}/homework/new/", H.homework_new, name="homework-new"),
    path(f"{HOMEWORK}/", H.homework_page, name="homework-page"),
    path(f"{HOMEWORK}/revise/", H.homework_revise, name="homework-revise"),
    path(f"{HOMEWORK}/end/", H.homework_end, name="homework-end"),
    path(f"{HOMEWORK}/archive/", H.homework_archive, name="homework-archive"),
    path(
        f"{COUPLE}/entries/<slug:kind>/<uuid:log_id>/take-back/",
        H.log_void,
        name="staff-log-void",
    ),
    path(f"{COUPLE}/measurements/new/", H.measurement_new, name="measurement-new"),
    path(f"{COUPLE}/measurements/import/", H.measurement_import_new, name="measurement-import"),
    path(
        f"{COUPLE}/measurements/import/<uuid:import_id>/",
        H.measurement_import_page,
        name="measurement-import-page",
    ),
]

P = portal_pages
portal_page_urlpatterns = [
    path("agreements/<uuid:homework_id>/", P.agreement_page, name="portal-agreement"),
    path("practice/new/", P.practice_new, name="portal-practice-new"),
    path("time-outs/new/", P.time_out_new, name="portal-time-out-new"),
    path("check-in/", P.check_in_new, name="portal-check-in"),
    path("readings/new/", P.measurement_new, name="portal-measurement-new"),
    path("entries/", P.logs_page, name="portal-logs"),
    path("entries/<slug:kind>/<uuid:log_id>/correct/", P.log_edit, name="portal-log-edit"),
    path("entries/<slug:kind>/<uuid:log_id>/take-back/", P.log_void, name="portal-log-void"),
]
