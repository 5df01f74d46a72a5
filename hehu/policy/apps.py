from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "hehu.policy"
    label = "policy"
    verbose_name = _("政策引擎")
    default_auto_field = "django.db.models.BigAutoField"
