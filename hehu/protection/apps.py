from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtectionConfig(AppConfig):
    name = "hehu.protection"
    label = "protection"
    verbose_name = _("未成年人保护")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The routing tasks live beside the report service; the worker must know them.
        from hehu.protection import report_tasks  # noqa: F401
