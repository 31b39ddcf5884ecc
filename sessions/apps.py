from django.apps import AppConfig


class TherapySessionsConfig(AppConfig):
    # "sessions" would clash with django.contrib.sessions; the label is fixed from the first migration.
    name = "sessions"
    label = "therapy_sessions"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Therapy sessions and homework"

    def ready(self) -> None:
        from sessions.therapy import extensions as therapy_extensions

        therapy_extensions.register()

        from clinic.extensions import (
            register_caseload_enricher,
            register_couple_panel,
            register_portal_section,
        )
        from sessions.homework.extensions import CASELOAD_ENRICHER, COUPLE_PANEL, PORTAL_SECTION

        register_couple_panel(COUPLE_PANEL)
        register_portal_section(PORTAL_SECTION)
        register_caseload_enricher(CASELOAD_ENRICHER)

        from sessions.practice.extensions import PORTAL_SECTION as TOGETHER_SECTION

        register_portal_section(TOGETHER_SECTION)
