from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "hehu.regions"
    label = "regions"
