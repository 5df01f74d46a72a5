from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "hehu.audit"
    label = "audit"
