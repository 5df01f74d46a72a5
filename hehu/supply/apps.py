from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyConfig(AppConfig):
    name = "hehu.supply"
    label = "supply"
    verbose_name = _("实物救助")
    default_auto_field = "django.db.models.BigAutoField"
