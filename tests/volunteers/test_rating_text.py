"""刘队长 records 张春露's cleaning done: she is texted her rating link at once (TEXT_MESSAGE_BACKEND), from the
registry's phone, and rates from her phone. 李秀英 has no mobile: the page says so and offers the slip. Each text is
audited with the phone masked; no log line keeps the link's token in full."""

import logging

import pytest
from django.utils import timezone

from jiedao.models import AuditEntry
from residents.models import Resident
from volunteers import services
from volunteers.models import RatingLink, ServiceOrder

from .conftest import dispatch, step

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(outbox, settings):
    settings.SITE_URL = "https://jiedao.example.gov.cn"
    return outbox


def _done(api, admin, team_leader, happy_team, xiaohong, order):
    dispatch(api, admin, order, happy_team)
    step(api, team_leader, order, "accepted")
    return step(api, team_leader, order, "done", note="擦洗厨房", hours=[{"volunteer": xiaohong.pk, "hours": "2"}])


def test_an_order_done_texts_the_resident_her_rating_link(api, client, admin, team_leader, happy_team, xiaohong,
                                                          order, zhang, outbox, django_capture_on_commit_callbacks):
    Resident.objects.filter(pk=zhang.pk).update(phone="")
    zhang.refresh_from_db()
    zhang.phone = "139 1111 2222"  # as typed once: the one phone rule keeps 13911112222
    zhang.save()
    with django_capture_on_commit_callbacks(execute=True):
        done = _done(api, admin, team_leader, happy_team, xiaohong, order)
    assert done.status_code == 200, done.json()
    [(phone, message)] = outbox
    assert phone == "13911112222" and "上门保洁" in message and "14 天内有效" in message
    url = message.split("：")[-1]
    assert url.startswith("https://jiedao.example.gov.cn/r/")
    client.logout()
    path = url.removeprefix("https://jiedao.example.gov.cn")
    assert client.get(path).status_code == 200
    assert client.post(path, {"rating": "5", "comment": "很满意"}).status_code == 200
    assert ServiceOrder.objects.get(pk=order.pk).rating == 5
    entry = AuditEntry.objects.filter(changes__texted_to__isnull=False).get()
    assert entry.changes["texted_to"] == "139****2222" and path.strip("/").split("/")[-1] not in str(entry.changes)


def test_a_step_undone_sends_nothing(api, admin, team_leader, happy_team, xiaohong, order, outbox,
                                     django_capture_on_commit_callbacks):
    dispatch(api, admin, order, happy_team)
    step(api, team_leader, order, "accepted")
    with django_capture_on_commit_callbacks(execute=True):
        refused = step(api, team_leader, order, "done", note="擦洗厨房",
                       hours=[{"volunteer": xiaohong.pk, "hours": "25"}])
    assert refused.status_code == 400 and outbox == [] and not RatingLink.objects.exists()


def test_without_a_mobile_the_page_says_so_and_offers_the_slip(web, api, admin, staff_east, team_leader, happy_team,
                                                              xiaohong, order, zhang, outbox,
                                                              django_capture_on_commit_callbacks):
    Resident.objects.filter(pk=zhang.pk).update(phone="")  # no phone in the registry (a landline would be the same)
    dispatch(api, admin, order, happy_team)
    step(api, team_leader, order, "accepted")
    with django_capture_on_commit_callbacks(execute=True):
        page = web.as_(team_leader).post(f"/volunteers/orders/{order.pk}/step/", {
            "to": "done", "note": "擦洗厨房", f"hours_{xiaohong.pk}": "2"}, follow=True)
    assert ServiceOrder.objects.get(pk=order.pk).state == "done"
    assert services.NO_MOBILE_DONE in page.content.decode()
    assert outbox == [] and not RatingLink.objects.exists()
    detail = web.as_(staff_east).get(f"/volunteers/orders/{order.pk}/").content.decode()
    assert "没有登记手机号码" in detail and 'value="text"' not in detail and "生成居民评价链接" in detail
    refused = web.as_(staff_east).post(f"/volunteers/orders/{order.pk}/rating-link/", {"send": "text"}, follow=True)
    assert services.NO_MOBILE in refused.content.decode() and outbox == [] and not RatingLink.objects.exists()
    answer = api.as_(staff_east).post(f"/api/v1/service-orders/{order.pk}/rating-link/", {"send": "text"},
                                      format="json")
    assert answer.status_code == 400 and "没有登记手机号码" in str(answer.json())
    slip = web.as_(staff_east).post(f"/volunteers/orders/{order.pk}/rating-link/")
    assert "/r/" in slip.content.decode()  # the slip's link, shown once


def test_staff_send_it_again_from_the_orders_page_and_the_old_link_is_spent(web, api, admin, staff_east, team_leader,
                                                                            happy_team, xiaohong, order, outbox,
                                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _done(api, admin, team_leader, happy_team, xiaohong, order)
    first = outbox[0][1].split("/r/")[1].strip("/")
    detail = web.as_(staff_east).get(f"/volunteers/orders/{order.pk}/").content.decode()
    assert 'value="text">发送评价短信' in detail
    with django_capture_on_commit_callbacks(execute=True):
        page = web.as_(staff_east).post(f"/volunteers/orders/{order.pk}/rating-link/", {"send": "text"}, follow=True)
    assert "评价短信已发送至 139****5678" in page.content.decode() and len(outbox) == 2
    assert services.LINK_SPENT in web.get(f"/r/{first}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.as_(staff_east).post(f"/api/v1/service-orders/{order.pk}/rating-link/", {"send": "text"},
                                          format="json")
    assert answer.status_code == 201 and answer.json() == {"texted_to": "139****5678"} and len(outbox) == 3
    # The team leader takes no rating step: he cannot send it either.
    refused = api.as_(team_leader).post(f"/api/v1/service-orders/{order.pk}/rating-link/", {"send": "text"},
                                        format="json")
    assert refused.status_code == 403 and len(outbox) == 3


def test_the_log_backend_keeps_neither_the_phone_nor_the_token(api, admin, team_leader, happy_team, xiaohong, order,
                                                               settings, caplog, django_capture_on_commit_callbacks):
    settings.TEXT_MESSAGE_BACKEND = "jiedao.notifications.LogTextBackend"
    with caplog.at_level(logging.INFO, logger="jiedao.notifications"), \
            django_capture_on_commit_callbacks(execute=True):
        _done(api, admin, team_leader, happy_team, xiaohong, order)
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("短信")]
    assert "13912345678" not in line and "*******5678" in line
    token_part = line.split("/r/")[1].rstrip("/")
    assert token_part.endswith("…") and len(token_part) == 3  # two characters of the token, then the ellipsis
    assert RatingLink.objects.filter(order=order, used_at__isnull=True).count() == 1
    assert timezone.now()
