"""Attune's URLs plus the reference endpoint the caseload API is measured against."""

from django.urls import include, path

from bench.reference import caseload_reference

urlpatterns = [
    path("bench/reference/<slug:clinic_slug>/couples/", caseload_reference),
    path("", include("clinic.urls")),
]
