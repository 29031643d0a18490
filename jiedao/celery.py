import os

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiedao.settings")

app = Celery("jiedao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
def _refuse_development_key(**kwargs):
    # Sent by `celery worker` only (not by in-process test workers): a worker writes export files and reads
    # personal data, so it refuses the development key as the web server does.
    from jiedao.security import require_field_key

    require_field_key()
