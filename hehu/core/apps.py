from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hehu.core"
    label = "core"
