"""王丽 and 赵管理 edit 张春露 at the same time: neither loses the other's change. A save writes only the
fields it changes; the API tells a client which version it read (ETag) and refuses a write over a newer
one (If-Match → 412); the form that was opened before someone else saved says so and keeps what was typed."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from residents import services
from residents.models import Resident

pytestmark = pytest.mark.django_db


def test_a_save_from_a_stale_copy_keeps_the_change_made_meanwhile(staff_east, admin, zhang):
    stale = Resident.objects.get(pk=zhang.pk)  # 王丽 opened it
    services.resident_update(actor=admin, resident=zhang, data={"notes": "女儿每周来看望"})
    services.resident_update(actor=staff_east, resident=stale, data={"phone": "13911112222"})
    zhang.refresh_from_db()
    assert (zhang.phone, zhang.notes, zhang.version) == ("13911112222", "女儿每周来看望", 3)


def test_a_save_that_changes_nothing_writes_nothing(staff_east, zhang):
    services.resident_update(actor=staff_east, resident=zhang, data={"name": zhang.name, "notes": zhang.notes})
    zhang.refresh_from_db()
    assert zhang.version == 1


def test_the_api_sends_the_version_and_refuses_a_write_over_a_newer_one(api, staff_east, admin, zhang):
    client = api.as_(staff_east)
    read = client.get(f"/api/v1/residents/{zhang.pk}/")
    etag = read["ETag"]
    assert etag == f'"{zhang.pk}-1"'
    api.as_(admin).patch(f"/api/v1/residents/{zhang.pk}/", {"notes": "女儿每周来看望"}, format="json")
    stale = client.patch(f"/api/v1/residents/{zhang.pk}/", {"phone": "13911112222"}, format="json",
                         HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and "他人修改" in stale.json()["detail"]
    zhang.refresh_from_db()
    assert zhang.phone != "13911112222"
    fresh = client.get(f"/api/v1/residents/{zhang.pk}/")["ETag"]
    saved = client.patch(f"/api/v1/residents/{zhang.pk}/", {"phone": "13911112222"}, format="json",
                         HTTP_IF_MATCH=fresh)
    assert saved.status_code == 200 and saved["ETag"] == f'"{zhang.pk}-3"'
    bad = client.patch(f"/api/v1/residents/{zhang.pk}/", {"notes": "x"}, format="json", HTTP_IF_MATCH="v3")
    assert bad.status_code == 400


def test_the_form_opened_before_someone_else_saved_says_so_and_keeps_what_was_typed(web, staff_east, admin, zhang):
    client = web.as_(staff_east)
    form = client.get(reverse("residents:resident_update", args=[zhang.pk])).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(grid=zhang.grid_id, tags=zhang.tag_codes, phone="13911112222")
    services.resident_update(actor=admin, resident=zhang, data={"notes": "女儿每周来看望"})  # meanwhile
    page = client.post(reverse("residents:resident_update", args=[zhang.pk]), data)
    assert page.status_code == 200
    form = page.context["form"]
    assert "admin 已修改了该居民信息" in str(form.non_field_errors())
    assert form["phone"].value() == "13911112222"  # her input is still there
    assert form["notes"].value() == "女儿每周来看望"  # and his change, which she did not touch, is merged in
    zhang.refresh_from_db()
    assert zhang.phone != "13911112222"
    data.update(notes=form["notes"].value(), version=form["version"].value())  # she reads it and saves again
    assert client.post(reverse("residents:resident_update", args=[zhang.pk]), data).status_code == 302
    zhang.refresh_from_db()
    assert (zhang.phone, zhang.notes) == ("13911112222", "女儿每周来看望")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)")
def test_two_patches_of_different_fields_at_the_same_moment_both_stay(staff_east, admin, zhang):
    for round_ in range(10):
        start = threading.Barrier(2)
        stale = [Resident.objects.get(pk=zhang.pk), Resident.objects.get(pk=zhang.pk)]

        def edit(actor, copy, data, start=start):
            start.wait()
            try:
                services.resident_update(actor=actor, resident=copy, data=data)
            finally:
                connection.close()

        threads = [threading.Thread(target=edit, args=(staff_east, stale[0], {"phone": f"1391111{round_:04d}"})),
                   threading.Thread(target=edit, args=(admin, stale[1], {"notes": f"第{round_}次"}))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        zhang.refresh_from_db()
        assert (zhang.phone, zhang.notes) == (f"1391111{round_:04d}", f"第{round_}次"), round_
