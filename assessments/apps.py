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

        from assessments import caseload
        from clinic.extensions import CaseloadEnricher, register_caseload_enricher

        register_caseload_enricher(
            CaseloadEnricher(
                "assessment_alerts",
                caseload.load_alerts,
                "assessments/caseload_alerts.html",
                urgent=True,
            )
        )
        register_caseload_enricher(
            CaseloadEnricher(
                "assessments", caseload.load_summary, "assessments/caseload_summary.html"
            )
        )
