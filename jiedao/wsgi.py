import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiedao.settings")
application = get_wsgi_application()

from jiedao.checks import require_audit_settings  # noqa: E402  (needs the settings loaded)
from jiedao.security import require_field_key, require_production_secret  # noqa: E402
from jiedao.warmup import before_first_request  # noqa: E402

require_production_secret()
require_audit_settings()
require_field_key()
before_first_request()
