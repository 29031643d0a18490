"""The parents' sign-up on a programme's public page, with no account.

The parent types the child's ID number and the guardian's phone. The pair is checked against the registry
(the child registered in the programme's sub-district, the phone that of a member of the child's household),
and the page answers the same way whether it matches or not: the result (enrolled, waiting and where, or
refused and why; or "could not be checked") goes as a text to the phone typed, through TEXT_MESSAGE_BACKEND.
So the page tells a stranger nothing about who is registered, and a text reaches only the phone typed.

Two limits, neither holding a number (the child is named by a keyed hash): an address sends at most
SIGNUP_PER_ADDRESS requests an hour (then 429; a count in the cache), and a child (with that phone) is handled
once per programme a day (a second request gets the same answer and no second text; a row in the database,
PublicRequest, which no eviction forgets), unless its text did not go out: then the form may be sent again, and
the answer says where the child stands (the place taken the first time is kept, never a second one).
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiedao.audit import client_ip
from jiedao.crypto import blind_index, matches
from jiedao.notifications import text_send
from residents.models import Resident, Status
from residents.selectors import filter_by_id_number

from . import services
from .choices import EnrolmentChannel, EnrolmentStatus
from .models import Enrolment, Programme, PublicRequest

logger = logging.getLogger(__name__)

HOUR = 3600


def per_address() -> int:
    return getattr(settings, "SIGNUP_PER_ADDRESS", 10)


def now():
    return timezone.now()


def allowed_from(request) -> bool:
    """Count this request against its address; False once the address has sent its hour's worth."""
    key = f"signup:address:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, HOUR)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, HOUR)
        count = 1
    return count <= per_address()


def public_requests_purge() -> int:
    """Delete the once-a-day marks of the days before today (they only ever hold back a second request the same
    day); how many were deleted."""
    deleted, _ = PublicRequest.objects.filter(day__lt=timezone.localdate(now())).delete()
    return deleted


def places_left(programme: Programme) -> int:
    """What the public page may say is only whether places are left, never how many: a count that fell by one
    after a sign-up told a stranger that the child and phone typed were a child of the registry and a guardian."""
    taken = Enrolment.objects.filter(programme=programme, status=EnrolmentStatus.ENROLLED).count()
    return max(programme.capacity - taken, 0)


def _guardian(child: Resident, phone: str) -> Resident | None:
    """The member of the child's household (the child apart) whose registered phone this is."""
    if child.household_id is None:
        return None
    return (Resident.objects.filter(household_id=child.household_id, status=Status.ACTIVE)
            .exclude(pk=child.pk).filter(matches(Resident, "phone", phone)).first())


def public_sign_up(*, programme: Programme, id_number: str, phone: str) -> None:
    """Check the pair, enrol through the one enrolment service when it matches, and text the phone the result.
    Returns nothing: the page's answer must not depend on what happened here."""
    # Keyed by the child and the phone: a stranger typing a child's number with another phone does not use up
    # the parent's one request (and the enrolment service never enrols a child twice whatever comes).
    key = blind_index("signup", id_number + ":" + phone)
    try:
        with transaction.atomic():
            mark = PublicRequest.objects.create(programme=programme, key=key, day=timezone.localdate(now()))
    except IntegrityError:
        return  # one request per child a day: the first one's text has been sent
    if not text_send(phone=phone, message=_answer(programme, id_number, phone)):
        mark.delete()  # the parent heard nothing: the same form sent again is answered, the same day


def _answer(programme: Programme, id_number: str, phone: str) -> str:
    """What the text says: not checked, refused and why, or where the child stands (enrolled now, or earlier)."""
    child = filter_by_id_number(Resident.objects.filter(community__subdistrict_id=programme.point.subdistrict_id,
                                                        status=Status.ACTIVE), id_number).first()
    guardian = _guardian(child, phone) if child is not None else None
    if guardian is None:
        return f"【街道民政】您为“{programme.name}”提交的报名信息未能与居民登记信息核实，请携户口簿联系所在社区办理。"
    # Asked again (another day, or after a text that did not go out): where the child stands, not a refusal.
    enrolment = Enrolment.objects.filter(programme=programme, child=child).live().first()
    if enrolment is None:
        try:
            enrolment = services.enrolment_create(actor=None, programme=programme, child=child, guardian=guardian,
                                                  channel=EnrolmentChannel.PUBLIC)
        except ValidationError as e:
            return f"【街道民政】{child.name} 报名“{programme.name}”未成功：{'；'.join(e.messages)}"
    if enrolment.status == EnrolmentStatus.ENROLLED:
        what = "已录取"
    else:
        what = f"名额已满，已进入候补第 {enrolment.position} 位，有名额时将依次递补"
    return f"【街道民政】{child.name} 报名“{programme.name}”：{what}。"
