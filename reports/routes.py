"""Routes of the reports app (mounted by clinic/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from reports import api, pages

router = SimpleRouter(use_regex_path=False)
router.register("reports", api.ReportViewSet, basename="report")
router.register("exports", api.ExportViewSet, basename="export")
portal_router = SimpleRouter(use_regex_path=False)
portal_router.register("reports", api.PortalReportViewSet, basename="portal-report")

couple_reports = api.CoupleReportViewSet.as_view({"get": "list", "post": "create"})

api_urlpatterns = [
    path("couples/<uuid:couple_id>/reports/", couple_reports, name="couple-reports"),
    *router.urls,
]
portal_api_urlpatterns = [*portal_router.urls]
page_urlpatterns = [
    path("couples/<uuid:couple_id>/reports/", pages.report_request_page, name="report-request"),
    path("reports/<uuid:report_id>/download/", pages.report_download, name="report-download"),
    path("reports/<uuid:report_id>/share/", pages.report_share_page, name="report-share"),
    path("exports/", pages.exports_page, name="exports"),
    path("exports/<uuid:export_id>/download/", pages.export_download, name="export-download"),
]
portal_page_urlpatterns = [
    path(
        "reports/<uuid:report_id>/download/",
        pages.portal_report_download,
        name="portal-report-download",
    ),
]
