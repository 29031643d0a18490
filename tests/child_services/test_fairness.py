"""Fair at the opening minute: 300 parents (through staff's API calls, each request its own database
connection) try for 30 places at once. Exactly 30 are enrolled, 270 wait with positions 1..270 in the order
their enrolments committed, nobody is there twice, nobody gets a 500."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from child_services.models import Enrolment, EnrolmentStatus
from tests.child_services.factories import ProgrammeFactory, child_in

# PostgreSQL allows 100 connections on the test server, shared by other test runs: 40 threads hold one
# each and send the 300 requests between them, all released at the same moment.
THREADS, REQUESTS, PLACES = 40, 300, 30


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)")
def test_three_hundred_parents_for_thirty_places(staff_east, hut, east1):
    summer = ProgrammeFactory(point=hut, name="暑期阅读公益班", capacity=PLACES, age_min_months=0,
                              age_max_months=215, enrol_opens_at=timezone.now() - timedelta(seconds=1))
    children = [child_in(east1, years=6, days=n, name=f"孩子{n}").pk for n in range(REQUESTS)]
    start, answers, lock = threading.Barrier(THREADS), [], threading.Lock()

    def parent(mine):
        client = APIClient()
        client.force_authenticate(staff_east)
        try:
            start.wait()
            for child in mine:
                answer = client.post("/api/v1/enrolments/", {"programme": summer.pk, "child": child,
                                                             "guardian_name": "家长", "guardian_phone": "13800001111"},
                                     format="json")
                with lock:
                    answers.append((child, answer.status_code, answer.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=parent, args=(children[i::THREADS],)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert sorted({code for _, code, _ in answers}) == [201], [a for a in answers if a[1] != 201][:3]
    assert len(answers) == REQUESTS
    rows = list(Enrolment.objects.filter(programme=summer).order_by("id").values_list("child", "status", "position"))
    assert len({child for child, _, _ in rows}) == REQUESTS  # nobody twice
    # Ids are drawn inside the programme's lock, so their order is the order the enrolments committed.
    assert [s for _, s, _ in rows] == [EnrolmentStatus.ENROLLED] * PLACES + [EnrolmentStatus.WAITLISTED] * (
        REQUESTS - PLACES)
    assert [p for _, _, p in rows[PLACES:]] == list(range(1, REQUESTS - PLACES + 1))
    # Each parent was told what was stored.
    told = {child: (body["status"], body["position"]) for child, _, body in answers}
    assert told == {child: (status, position) for child, status, position in rows}
    times = list(Enrolment.objects.filter(programme=summer).order_by("id").values_list("created_at", flat=True))
    assert times == sorted(times)
