from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "hehu.web"
    label = "web"
