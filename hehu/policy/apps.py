from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "hehu.policy"
    label = "policy"
    verbose_name = _("政策引擎")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A child's categories follow its file: the registry announces each committed change.
        from hehu.core.events import CHILD_CHANGED, subscribe
        from hehu.policy.services.classify import child_changed

        subscribe(CHILD_CHANGED, child_changed)
