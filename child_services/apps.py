from django.apps import AppConfig


class ChildServicesConfig(AppConfig):
    name = "child_services"
    verbose_name = "儿童服务"
