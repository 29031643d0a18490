"""赵管理 adds 和平里's communities and grids on the /manage/ pages (residents' places, beside the accounts)."""

import pytest
from django.urls import reverse

from residents.models import Community, Grid

pytestmark = pytest.mark.django_db


def test_the_admin_adds_a_community_and_a_grid(web, admin, heping):
    client = web.as_(admin)
    assert client.post(reverse("manage:community_create"), {"name": "南园社区"}).status_code == 302
    south = Community.objects.get(name="南园社区")
    assert south.subdistrict == heping
    assert client.post(reverse("manage:grid_create"), {"community": south.pk, "name": "南一网格"}).status_code == 302
    assert Grid.objects.filter(community=south, name="南一网格").exists()
    duplicate = client.post(reverse("manage:community_create"), {"name": "南园社区"})
    assert "同名社区" in str(duplicate.context["form"].errors)
