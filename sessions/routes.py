"""Routes of this app, mounted by clinic/urls.py (see clinic/routes.py for the clinic app itself).

api_urlpatterns:          under /api/v1/clinics/<clinic_slug>/
portal_api_urlpatterns:   under /api/v1/portal/
page_urlpatterns:         under /c/<clinic_slug>/
portal_page_urlpatterns:  under /portal/
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from sessions.calendar import pages as calendar_pages
from sessions.homework import api as homework_api
from sessions.homework import pages as homework_pages
from sessions.logs import api as logs_api
from sessions.logs import pages as logs_pages
from sessions.measurements import api as measurements_api
from sessions.measurements import pages as measurements_pages
from sessions.portal import api as portal_api
from sessions.portal import pages as portal_pages
from sessions.practice import pages as practice_pages
from sessions.reminders import pages as reminders_pages
from sessions.therapy import api as therapy_api
from sessions.therapy import pages as therapy_pages

# --- therapy sessions, notes, confidentiality -------------------------------------------------
therapy_router = SimpleRouter(use_regex_path=False)
therapy_router.register("sessions", therapy_api.SessionViewSet, basename="therapy-session")
therapy_router.register("notes", therapy_api.NoteViewSet, basename="session-note")

therapy_api_urlpatterns = [
    path(
        "couples/<uuid:couple_id>/sessions/",
        therapy_api.CoupleSessionViewSet.as_view({"get": "list", "post": "create"}),
        name="couple-sessions",
    ),
    path(
        "couples/<uuid:couple_id>/session-summary/",
        therapy_api.CoupleSessionSummaryView.as_view(),
        name="couple-session-summary",
    ),
    path(
        "couples/<uuid:couple_id>/confidentiality/",
        therapy_api.CoupleConfidentialityView.as_view(),
        name="couple-confidentiality",
    ),
    *therapy_router.urls,
]

therapy_page_urlpatterns = [
    path(
        "couples/<uuid:couple_id>/sessions/",
        therapy_pages.couple_sessions_page,
        name="couple-sessions-page",
    ),
    path("couples/<uuid:couple_id>/sessions/new/", therapy_pages.session_new, name="session-new"),
    path(
        "couples/<uuid:couple_id>/confidentiality/",
        therapy_pages.couple_confidentiality,
        name="couple-confidentiality-page",
    ),
    path("sessions/<uuid:session_id>/", therapy_pages.session_page, name="session-page"),
    path(
        "sessions/<uuid:session_id>/reschedule/",
        therapy_pages.session_reschedule,
        name="session-reschedule",
    ),
    path("sessions/<uuid:session_id>/held/", therapy_pages.session_held, name="session-held"),
    path("sessions/<uuid:session_id>/cancel/", therapy_pages.session_cancel, name="session-cancel"),
    path(
        "sessions/<uuid:session_id>/note/",
        therapy_pages.session_note_start,
        name="session-note-start",
    ),
    path("notes/<uuid:note_id>/", therapy_pages.note_page, name="note-page"),
    path("notes/<uuid:note_id>/sign/", therapy_pages.note_sign, name="note-sign"),
    path("notes/<uuid:note_id>/cosign/", therapy_pages.note_cosign, name="note-cosign"),
    path("notes/<uuid:note_id>/addenda/", therapy_pages.note_addendum, name="note-addendum"),
    path(
        "notes/<uuid:note_id>/reassign-cosigner/",
        therapy_pages.note_reassign_cosigner,
        name="note-reassign-cosigner",
    ),
]

# --- homework, logs, check-ins, measurements, portal ------------------------------------------

COUPLE = "couples/<uuid:couple_id>"

staff_router = SimpleRouter(use_regex_path=False)
staff_router.register(f"{COUPLE}/homework", homework_api.HomeworkViewSet, basename="homework")
staff_router.register(
    f"{COUPLE}/practice-logs", logs_api.PracticeLogViewSet, basename="practice-log"
)
staff_router.register(
    f"{COUPLE}/time-out-logs", logs_api.TimeOutLogViewSet, basename="time-out-log"
)
staff_router.register(f"{COUPLE}/check-ins", logs_api.CheckInViewSet, basename="check-in")
staff_router.register(
    f"{COUPLE}/measurements", measurements_api.MeasurementViewSet, basename="measurement"
)
staff_router.register(
    f"{COUPLE}/measurement-imports",
    measurements_api.MeasurementImportViewSet,
    basename="measurement-import",
)

homework_api_urlpatterns = [
    path(
        "measurement-kinds/",
        measurements_api.MeasurementKindsView.as_view(),
        name="measurement-kinds",
    ),
    path(
        f"{COUPLE}/adherence/",
        homework_api.CoupleAdherenceView.as_view(),
        name="couple-adherence",
    ),
    path(
        f"{COUPLE}/regulation/",
        logs_api.CoupleRegulationView.as_view(),
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

HOMEWORK = f"{COUPLE}/homework/<uuid:homework_id>"
homework_page_urlpatterns = [
    path(f"{COUPLE}/homework/new/", homework_pages.homework_new, name="homework-new"),
    path(f"{HOMEWORK}/", homework_pages.homework_page, name="homework-page"),
    path(f"{HOMEWORK}/revise/", homework_pages.homework_revise, name="homework-revise"),
    path(f"{HOMEWORK}/end/", homework_pages.homework_end, name="homework-end"),
    path(f"{HOMEWORK}/archive/", homework_pages.homework_archive, name="homework-archive"),
    path(
        f"{COUPLE}/entries/<slug:kind>/<uuid:log_id>/take-back/",
        logs_pages.log_void,
        name="staff-log-void",
    ),
    path(f"{COUPLE}/measurements/new/", measurements_pages.measurement_new, name="measurement-new"),
    path(
        f"{COUPLE}/measurements/import/",
        measurements_pages.measurement_import_new,
        name="measurement-import",
    ),
    path(
        f"{COUPLE}/measurements/import/<uuid:import_id>/",
        measurements_pages.measurement_import_page,
        name="measurement-import-page",
    ),
]

portal_page_urlpatterns = [
    path("reminders/", reminders_pages.reminders_page, name="portal-reminders"),
    path(
        "practice/<uuid:homework_id>/guided/",
        practice_pages.guided_page,
        name="portal-guided-practice",
    ),
    path(
        "practice/<uuid:homework_id>/together/",
        practice_pages.together_start,
        name="portal-together-start",
    ),
    path(
        "practice/together/<uuid:joint_id>/",
        practice_pages.together_page,
        name="portal-breathe-together",
    ),
    path("practice/clock/", practice_pages.clock, name="portal-practice-clock"),
    path("agreements/<uuid:homework_id>/", portal_pages.agreement_page, name="portal-agreement"),
    path("practice/new/", portal_pages.practice_new, name="portal-practice-new"),
    path("time-outs/new/", portal_pages.time_out_new, name="portal-time-out-new"),
    path("check-in/", portal_pages.check_in_new, name="portal-check-in"),
    path("readings/new/", portal_pages.measurement_new, name="portal-measurement-new"),
    path("entries/", portal_pages.logs_page, name="portal-logs"),
    path(
        "entries/<slug:kind>/<uuid:log_id>/correct/", portal_pages.log_edit, name="portal-log-edit"
    ),
    path(
        "entries/<slug:kind>/<uuid:log_id>/take-back/",
        portal_pages.log_void,
        name="portal-log-void",
    ),
]

# --- a therapist's calendar -------------------------------------------------------------------
calendar_page_urlpatterns = [
    path("calendar/", calendar_pages.week_page, name="calendar-week"),
    path("calendar/day/", calendar_pages.day_page, name="calendar-day"),
    path("calendar/book/", calendar_pages.book_page, name="calendar-book"),
    path("calendar/feed/", calendar_pages.feed_page, name="calendar-feed"),
    path("calendar/feed/<str:token>.ics", calendar_pages.feed_ics, name="calendar-ics"),
]

api_urlpatterns = [*therapy_api_urlpatterns, *homework_api_urlpatterns]
page_urlpatterns = [
    *therapy_page_urlpatterns,
    *homework_page_urlpatterns,
    *calendar_page_urlpatterns,
]
