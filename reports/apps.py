from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Progress reports"

    def ready(self) -> None:
        # Register the tasks in every process (web too): services queue them by name.
        import reports.tasks  # noqa: F401
        from clinic.extensions import (
            CouplePanel,
            PortalSection,
            register_couple_panel,
            register_portal_section,
        )
        from reports.pages import couple_reports_panel, portal_reports_section

        register_couple_panel(
            CouplePanel("reports", 90, "reports/couple_panel.html", couple_reports_panel)
        )
        register_portal_section(
            PortalSection("reports", 90, "reports/portal_section.html", portal_reports_section)
        )
