"""Routes of this app, mounted by clinic/urls.py (see clinic/routes.py for the clinic app itself).

api_urlpatterns:          under /api/v1/clinics/<clinic_slug>/
portal_api_urlpatterns:   under /api/v1/portal/
page_urlpatterns:         under /c/<clinic_slug>/
portal_page_urlpatterns:  under /portal/
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from sessions import api_sessions, pages_sessions

# --- therapy sessions, notes, confidentiality -------------------------------------------------
therapy_router = SimpleRouter(use_regex_path=False)
therapy_router.register("sessions", api_sessions.SessionViewSet, basename="therapy-session")
therapy_router.register("notes", api_sessions.NoteViewSet, basename="session-note")

therapy_api_urlpatterns = [
    path(
        "couples/<uuid:couple_id>/sessions/",
        api_sessions.CoupleSessionViewSet.as_view({"get": "list", "post": "create"}),
        name="couple-sessions",
    ),
    path(
        "couples/<uuid:couple_id>/session-summary/",
        api_sessions.CoupleSessionSummaryView.as_view(),
        name="couple-session-summary",
    ),
    path(
        "couples/<uuid:couple_id>/confidentiality/",
        api_sessions.CoupleConfidentialityView.as_view(),
        name="couple-confidentiality",
    ),
    *therapy_router.urls,
]

P = pages_sessions
therapy_page_urlpatterns = [
    path("couples/<uuid:couple_id>/sessions/new/", P.session_new, name="session-new"),
    path(
        "couples/<uuid:couple_id>/confidentiality/",
        P.couple_confidentiality,
        name="couple-confidentiality-page",
    ),
    path("sessions/<uuid:session_id>/", P.session_page, name="session-page"),
    path("sessions/<uuid:session_id>/reschedule/", P.session_reschedule, name="session-reschedule"),
    path("sessions/<uuid:session_id>/held/", P.session_held, name="session-held"),
    path("sessions/<uuid:session_id>/cancel/", P.session_cancel, name="session-cancel"),
    path("sessions/<uuid:session_id>/note/", P.session_note_start, name="session-note-start"),
    path("notes/<uuid:note_id>/", P.note_page, name="note-page"),
    path("notes/<uuid:note_id>/sign/", P.note_sign, name="note-sign"),
    path("notes/<uuid:note_id>/cosign/", P.note_cosign, name="note-cosign"),
    path("notes/<uuid:note_id>/addenda/", P.note_addendum, name="note-addendum"),
    path(
        "notes/<uuid:note_id>/reassign-cosigner/",
        P.note_reassign_cosigner,
        name="note-reassign-cosigner",
    ),
]

api_urlpatterns: list = [*therapy_api_urlpatterns]
portal_api_urlpatterns: list = []
page_urlpatterns: list = [*therapy_page_urlpatterns]
portal_page_urlpatterns: list = []

# --- homework, logs, check-ins, measurements (sessions/homework_routes.py) --------------------
from sessions import homework_routes  # noqa: E402

api_urlpatterns += homework_routes.api_urlpatterns
portal_api_urlpatterns += homework_routes.portal_api_urlpatterns
page_urlpatterns += homework_routes.page_urlpatterns
portal_page_urlpatterns += homework_routes.portal_page_urlpatterns
