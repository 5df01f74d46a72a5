from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Synthetic demo data (`demo_load`) and benchmark populations (`generate_population`)."""

    name = "hehu.demo"
    label = "demo"
    verbose_name = "演示数据"
