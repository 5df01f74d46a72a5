from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "hehu.accounts"
    label = "accounts"
