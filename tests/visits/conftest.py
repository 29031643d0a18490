"""Visit plans for the personas of tests/conftest.py.

和平里 has the default rules: the key tier is phoned daily and visited at home weekly; the regular
tier phoned every 3 days and visited monthly; the general tier phoned monthly, visited quarterly.
张春露 (东一, key tier, lives alone) is also in the curtain pact: her curtain is open by 08:00.
"""

from datetime import datetime, time

import pytest
from django.utils import timezone

from visits.models import CarePlan
from visits.services import default_rules_ensure

TZ = timezone.get_current_timezone()


def at(day, hour=10, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


@pytest.fixture
def rules(heping):
    default_rules_ensure(subdistrict=heping)


@pytest.fixture
def curtain(zhang):
    return CarePlan.objects.create(resident=zhang, curtain_pact=True, curtain_deadline=time(8, 0))
