from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from assessments.scoring import load_library

        # A malformed definition must stop the server at start-up, not the first client
        # who opens that questionnaire.
        load_library()

        from assessments import caseload, pages, portal_pages
        from clinic.extensions import (
            CaseloadEnricher,
            CouplePanel,
            PortalSection,
            register_caseload_enricher,
            register_couple_panel,
            register_portal_section,
        )

        register_caseload_enricher(
            CaseloadEnricher(
                "assessment_alerts",
                caseload.load_alerts,
                "assessments/caseload_alerts.html",
                urgent=True,
                urgent_when=caseload.has_open_alert,
            )
        )
        register_caseload_enricher(
            CaseloadEnricher(
                "assessments", caseload.load_summary, "assessments/caseload_summary.html"
            )
        )
        register_couple_panel(
            CouplePanel("assessments", 30, "assessments/couple_panel.html", pages.couple_panel)
        )
        register_portal_section(
            PortalSection(
                "assessments", 10, "assessments/portal_section.html", portal_pages.portal_section
            )
        )
