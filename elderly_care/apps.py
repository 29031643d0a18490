from django.apps import AppConfig


class ElderlyCareConfig(AppConfig):
    name = "elderly_care"
    verbose_name = "养老服务"
