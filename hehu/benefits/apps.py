from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "hehu.benefits"
    label = "benefits"
    verbose_name = _("救助与补贴")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hehu.benefits.subscriptions import subscribe_all

        subscribe_all()
