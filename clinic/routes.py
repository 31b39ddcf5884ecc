"""Routes of the clinic app (see clinic/urls.py for where each list is mounted)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from clinic import api, pages, security_keys

router = SimpleRouter(use_regex_path=False)
router.register("members", api.MemberViewSet, basename="member")
router.register("clients", api.ClientViewSet, basename="client")
router.register("couples", api.CoupleViewSet, basename="couple")
router.register("audit-events", api.AuditEventViewSet, basename="audit-event")
router.register("invitations", api.InvitationViewSet, basename="invitation")

api_root_urlpatterns = [
    path("auth/login/", api.LoginView.as_view(), name="api-login"),
    path("auth/logout/", api.LogoutView.as_view(), name="api-logout"),
    path("auth/logout-all/", api.LogoutAllView.as_view(), name="api-logout-all"),
    path("clinics/", api.MyClinicsView.as_view(), name="api-my-clinics"),
]

api_urlpatterns = [
    path("", api.ClinicDetailView.as_view(), name="api-clinic"),
    *router.urls,
]
portal_api_urlpatterns = [
    path("me/", api.PortalMeView.as_view(), name="api-portal-me"),
]

page_root_urlpatterns = [
    path("", pages.home, name="home"),
    # Before allauth's own: staff may not remove their last security key (clinic.security_keys).
    path(
        "accounts/2fa/webauthn/keys/<int:pk>/remove/",
        security_keys.remove_security_key,
        name="mfa_remove_webauthn",
    ),
    # allauth: login (with the MFA step), logout, password reset and change, TOTP, security
    # keys and recovery codes, re-authentication. Sign-up is closed (see clinic.accounts).
    path("accounts/", include("allauth.urls")),
    path("account/", pages.account_page, name="account-security"),
    path("account/keep-alive/", pages.keep_alive, name="keep-alive"),
    path("invitations/<str:token>/", pages.invitation_accept, name="invitation-accept"),
    path("leave", pages.leave_quickly, name="leave-quickly"),
    # Browsers ask for /favicon.ico whatever the page links; send them to the real icon.
    path("favicon.ico", pages.favicon, name="favicon"),
]

page_urlpatterns = [
    path("caseload/", pages.caseload, name="caseload"),
    path("couples/new/", pages.couple_new, name="couple-new"),
    path("couples/<uuid:couple_id>/", pages.couple_detail, name="couple-detail"),
    path("couples/<uuid:couple_id>/break-glass/", pages.break_glass, name="break-glass"),
    path("cases/", pages.clinic_cases, name="clinic-cases"),
    path("couples/<uuid:couple_id>/status/", pages.couple_status_page, name="couple-status"),
    path("couples/<uuid:couple_id>/edit/", pages.couple_edit_page, name="couple-edit"),
    path("clients/new/", pages.client_new, name="client-new"),
    path("clients/<uuid:client_id>/edit/", pages.client_edit_page, name="client-edit"),
    path(
        "clients/<uuid:client_id>/portal/",
        pages.client_portal_access,
        name="client-portal-access",
    ),
    path("members/", pages.members_page, name="members"),
    path("audit/", pages.audit_page, name="audit"),
    path(
        "audit/clients/<uuid:client_id>/access.csv",
        pages.audit_client_access,
        name="audit-client-access",
    ),
    path("settings/", pages.settings_page, name="clinic-settings"),
]
portal_page_urlpatterns = [
    path("", pages.portal_home, name="portal-home"),
]
