"""Root URLconf: each app lists its routes in `<app>/routes.py`; they are mounted here under
the clinic from the URL (/api/v1/clinics/<clinic_slug>/, /c/<clinic_slug>/) or the portal."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import assessments.routes
import reports.routes
import sessions.routes
from clinic import health
from clinic import routes as clinic_routes

APPS = (clinic_routes, sessions.routes, assessments.routes, reports.routes)


def _gather(name: str) -> list:
    return [pattern for app in APPS for pattern in getattr(app, name)]


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="prometheus-django-metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from its own URL rather than inline,
    # as the Content-Security-Policy requires.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include(clinic_routes.api_root_urlpatterns)),
    path("api/v1/clinics/<slug:clinic_slug>/", include(_gather("api_urlpatterns"))),
    path("api/v1/portal/", include(_gather("portal_api_urlpatterns"))),
    path("c/<slug:clinic_slug>/", include(_gather("page_urlpatterns"))),
    path("portal/", include(_gather("portal_page_urlpatterns"))),
    path("", include(clinic_routes.page_root_urlpatterns)),
]
