"""seed_demo --subdistricts N builds the district: N sub-districts of about twenty communities each, the residents
shared among them, every one of them as valid as a registered one, and 郑伟 of the district bureau sees them all.
(At a million residents the same command is benchmarks/seed.py's.)"""

import random
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery

from jiedao import bulk
from jiedao.models import Role, User
from residents import demo, id_numbers, selectors
from residents.models import Community, Grid, Household, Resident, ResidentTag, Subdistrict
from residents.pinyin import name_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_demo():
    call_command("seed_demo", "--subdistricts", "3", "--residents", "600", stdout=StringIO())


def test_three_sub_districts_each_have_their_communities_grids_and_share_of_residents(district_demo):
    by_name = dict(Subdistrict.objects.annotate(n=Count("communities__residents")).values_list("name", "n"))
    assert by_name == {"和平里街道": 200, "安贞街道": 200, "东四街道": 200}
    for subdistrict in Subdistrict.objects.all():
        communities = Community.objects.filter(subdistrict=subdistrict)
        assert 18 <= communities.count() <= 22
        assert not communities.annotate(n=Count("grids")).exclude(n=demo.DISTRICT_GRIDS).exists()
    assert set(Community.objects.filter(subdistrict__name="和平里街道").values_list("name", flat=True)) >= set(
        demo.COMMUNITIES)
    # Every household has its head, the oldest of its members, and the members live in the household's grid.
    assert not Household.objects.filter(head__isnull=True).exists()
    assert Household.objects.annotate(n=Count("members")).filter(n=0).count() == 0
    assert not Resident.objects.exclude(
        grid_id=Subquery(Household.objects.filter(pk=OuterRef("household_id")).values("grid_id")[:1])).exists()
    assert not Resident.objects.exclude(
        community_id=Subquery(Grid.objects.filter(pk=OuterRef("grid_id")).values("community_id")[:1])).exists()


def test_each_sub_district_has_its_admin_and_staff_and_the_district_officer_sees_all(district_demo, client):
    roles = dict(User.objects.values_list("username", "role"))
    assert roles["admin3"] == Role.SUBDISTRICT_ADMIN and roles["staff5"] == Role.COMMUNITY_STAFF
    assert User.objects.get(username="admin3").subdistrict.name == "东四街道"
    officer = User.objects.get(username="district")
    assert officer.role == Role.DISTRICT_OFFICER and officer.subdistrict is None
    assert Resident.objects.visible_to(officer).count() == 600
    assert Resident.objects.visible_to(User.objects.get(username="admin3")).count() == 200
    client.force_login(officer)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    text = page.content.decode()
    assert all(name in text for name in ("和平里街道", "安贞街道", "东四街道"))


def test_every_seeded_resident_is_valid_by_the_registrys_rules(district_demo):
    """A real ID number (date, check digit) from which birth date and sex come, unique across the district; the
    pinyin keys name_keys gives; the keyed indexes the look-ups use (the loader wrote them, not a save)."""
    seen = set()
    rows = Resident.objects.values_list("pk", "name", "id_number", "birth_date", "gender", "name_pinyin",
                                        "name_initials", "phone")
    for _pk, name, number, birth, gender, pinyin, initials, _phone in rows:
        info = id_numbers.parse(number)
        assert (info.birth_date, info.gender) == (birth, gender), name
        assert (pinyin, initials) == name_keys(name), name
        seen.add(number)
    assert len(seen) == Resident.objects.count() == 600
    everyone = Resident.objects.all()
    for pk, _, number, _, _, _, _, phone in random.Random(4).sample(list(rows), 25):
        assert list(selectors.filter_by_id_number(everyone, number).values_list("pk", flat=True)) == [pk]
        assert pk in set(selectors.filter_by_id_last4(everyone, number[-4:]).values_list("pk", flat=True))
        if phone:
            assert pk in set(selectors.filter_by_phone(everyone, phone).values_list("pk", flat=True))


def test_the_search_finds_seeded_residents_by_pinyin_initials_and_characters(district_demo, api):
    officer = User.objects.get(username="district")
    for resident in Resident.objects.order_by("?")[:5]:
        for term in (resident.name_pinyin, resident.name_initials, resident.name):
            found = api.as_(officer).get("/api/v1/residents/", {"search": term, "page_size": 100}).json()
            assert resident.pk in [row["id"] for row in found["results"]], term


def test_seeding_the_district_again_adds_nothing(district_demo):
    counts = (Subdistrict.objects.count(), Community.objects.count(), Resident.objects.count(),
              ResidentTag.objects.count(), Household.objects.count())
    call_command("seed_demo", "--subdistricts", "3", "--residents", "600", stdout=StringIO())
    assert (Subdistrict.objects.count(), Community.objects.count(), Resident.objects.count(),
            ResidentTag.objects.count(), Household.objects.count()) == counts


def test_the_seeded_next_due_dates_are_those_the_visits_give(district_demo):
    # Written by COPY for a fresh sub-district (visits.demo.seed_due_dates), not by the refill: they must be
    # what the refill would store, every sub-district's, and none twice.
    from visits import schedule
    from visits.models import DueDate

    stored = sorted(DueDate.objects.values_list("resident_id", "rule_id", "community_id", "method", "last_visit",
                                                "due_date", "since"))
    again = sorted((r.resident_id, r.rule_id, r.community_id, r.method, r.last_visit, r.due_date, r.since)
                   for r in schedule.planned_dates(Resident.objects.all()))
    assert stored == again
    assert {c for _, _, c, *_ in stored} and DueDate.objects.values("community__subdistrict").distinct().count() == 3


def test_the_district_seed_is_the_same_for_the_same_seed():
    first = demo.seed(residents=300, seed=5, **demo.district(3, seed=5)[2])
    snapshot = sorted(Resident.objects.values_list("name", "id_number", "grid__name", "care_tier"))
    Household.objects.update(head=None)
    Resident.objects.all().delete()
    Household.objects.all().delete()
    Grid.objects.all().delete()
    Community.objects.all().delete()
    first.subdistrict.delete()
    demo.seed(residents=300, seed=5, **demo.district(3, seed=5)[2])
    assert sorted(Resident.objects.values_list("name", "id_number", "grid__name", "care_tier")) == snapshot


def test_names_keys_from_their_parts_are_the_registrys_keys():
    """The seed reads a surname and a given name apart (cached): the same keys as name_keys of the whole name,
    于思 too (a phrase pypinyin reads yú sāi). All 843,570 names were compared once; here a sample and 于思."""
    rng = random.Random(1)
    names = [demo._name_parts(rng.random) for _ in range(3000)] + [("于", "思"), ("于", "思明")]
    assert all(demo._keys(surname, given) == name_keys(surname + given) for surname, given in names)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes are dropped and rebuilt on PostgreSQL only")
def test_a_large_load_leaves_every_index_and_constraint_as_migrations_made_them():
    def shape():
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'residents_resident' "
                           "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid = 'residents_resident'::regclass ORDER BY 1, 2")
            return cursor.fetchall()

    before = shape()
    with transaction.atomic():
        # More rows than the table's statistics could say it holds: an earlier test's ANALYZE (whose figures
        # outlive its rolled-back transaction) or autovacuum may have left it at thousands.
        with bulk.rebuilt_indexes(Resident, adding=10**9):
            with connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'residents_resident'")
                assert cursor.fetchone()[0] == 1  # the primary key's alone while the load runs
        assert shape() == before


def _shape(*tables: str) -> list:
    """Every index and constraint of `tables`, as PostgreSQL writes them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                       "UNION ALL SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                       "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2, 3",
                       [list(tables), list(tables)])
        return cursor.fetchall()


SEEDED_TABLES = ("residents_resident", "residents_household", "residents_residenttag", "elderly_care_meal",
                 "visits_visit")


def _empty_tables_shape() -> list:
    with connection.cursor() as cursor:  # the tables are empty: statistics an earlier test left would say not
        cursor.execute(f"ANALYZE {', '.join(SEEDED_TABLES)}")
    return _shape(*SEEDED_TABLES)


def _a_failed_district_seed_leaves_the_shape(failure: str) -> None:
    """The district's seed (three sub-districts) fails with `failure`, and every index and key is as before."""
    before = _empty_tables_shape()
    with pytest.raises(RuntimeError, match=failure):
        call_command("seed_demo", "--subdistricts", "3", "--residents", "600", stdout=StringIO())
    assert _shape(*SEEDED_TABLES) == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes are dropped and rebuilt on PostgreSQL only")
@pytest.mark.django_db(transaction=True)  # the registry commits, and its indexes are built on another connection
def test_the_district_seed_builds_the_registrys_indexes_alongside_and_leaves_them_as_migrations_made_them(
        monkeypatch):
    built_on = []
    build_apart = bulk.Rebuild._build_apart

    def spied(self):
        built_on.append((threading.get_ident(), [table for table, *_ in self.dropped]))
        build_apart(self)

    monkeypatch.setattr(bulk.Rebuild, "_build_apart", spied)
    before = _empty_tables_shape()
    call_command("seed_demo", "--subdistricts", "3", "--residents", "600", stdout=StringIO())
    assert _shape(*SEEDED_TABLES) == before
    # Apart, on a thread (and so a connection) of its own: the registry's tables, not the meals' or visits'.
    assert [tables for thread, tables in built_on if thread != threading.get_ident()] == [
        ["residents_household", "residents_resident", "residents_residenttag"]]
    assert Resident.objects.count() == 600 and Resident.objects.filter(name__startswith="王").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes are dropped and rebuilt on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_build_alongside_that_fails_is_told_and_what_it_left_is_built_again():
    """Two residents with one ID number's index, written while the unique constraint was away: the build on the
    other connection fails, finish() raises its error on the caller's thread, and a second finish() (once the
    row is put right) builds everything here."""
    before = _shape("residents_resident")
    place = demo.seed(residents=2, seed=3, **demo.district(1, seed=3)[0])
    with transaction.atomic():
        with bulk.rebuilt_indexes(Resident, adding=10**9, later=True) as rebuild:
            first, second = Resident.objects.order_by("pk")[:2]
            Resident.objects.filter(pk=second.pk).update(id_number_index=first.id_number_index)
    rebuild.start()
    with pytest.raises(Exception, match="residents_resident_id_number_index"):
        rebuild.finish()
    Resident.objects.filter(pk=second.pk).update(id_number_index="0" * 64)
    rebuild.finish()
    assert _shape("residents_resident") == before
    assert place.residents == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes are dropped and rebuilt on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_seed_that_fails_while_the_indexes_are_built_apart_still_leaves_them_all(monkeypatch):
    """The accounts of the third sub-district cannot be made (a failure after the registry's load committed and
    its build began): the command fails, and every index and key is there all the same."""
    def broken(*args, **kwargs):
        raise RuntimeError("账号写入失败")

    monkeypatch.setattr(demo, "ensure_subdistrict_accounts", broken)
    _a_failed_district_seed_leaves_the_shape("账号写入失败")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes are dropped and rebuilt on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_meals_load_that_fails_after_building_its_indexes_has_them_built_again(monkeypatch):
    """The meals' and visits' indexes, dropped with the registry's load and built at the end of their own, go
    with that transaction when it fails after building them: the command builds them again before it fails."""
    from reports.management.commands import seed_demo

    timed = seed_demo.Command._took_since
    failed = []

    def failing_once(self, step, started):
        if step == "索引" and not failed:  # the first: inside the meals' transaction, after their indexes
            failed.append(step)
            raise RuntimeError("用餐写入失败")
        return timed(self, step, started)

    monkeypatch.setattr(seed_demo.Command, "_took_since", failing_once)
    _a_failed_district_seed_leaves_the_shape("用餐写入失败")
