from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "hehu.cases"
    label = "cases"
    verbose_name = _("个案管理")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A category that needs follow-up opens a case; a change of residence moves it.
        from hehu.cases.services.subscriptions import subscribe_all

        subscribe_all()
