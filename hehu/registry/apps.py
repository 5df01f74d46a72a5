from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "hehu.registry"
    label = "registry"
