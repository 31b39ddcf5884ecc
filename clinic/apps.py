from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    label = "clinic"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Clinics and people"
