from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "hehu.api"
    label = "api"
