"""The clients of the load benchmark (benchmarks/load.py starts them; not run on its own).

PlainPage asks for the login page, anonymous: the whole middleware stack and a small template, the most the
same gunicorn serves per second. Office is the mix the issue measured: 60% lists and searches, 20% details,
15% canteen check-ins, 5% dashboard, each request as the person whose work it is (a community's staff, the
sub-district's leader, the canteen's counter).

load.py hands over, in LOAD_PLAN (a JSON file): session keys of signed-in accounts (second factor passed),
the counter's API token, the resident ids to open and the ID numbers of diners not yet served today, split
so that no two clients check in the same person for the same meal.
"""

import itertools
import json
import os
import random

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())
SEARCHES = ["zh", "wang", "li", "zcl", "张", "王秀", "李"]
_diners = itertools.count()
MEALS = ["breakfast", "lunch", "dinner"]


@events.init_command_line_parser.add_listener
def _no_arguments(parser):  # the plan travels by environment; nothing to add
    return parser


class PlainPage(HttpUser):
    wait_time = between(0, 0)

    @task
    def login_page(self):
        self.client.get("/accounts/login/", name="plain page")


class Office(HttpUser):
    wait_time = between(0, 0)

    def on_start(self):
        self.rng = random.Random()
        self.staff = {"sessionid": PLAN["sessions"]["staff"]}
        self.leader = {"sessionid": PLAN["sessions"]["leader"]}

    def _page(self, url, name, cookies):
        with self.client.get(url, name=name, cookies=cookies, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")

    @task(40)
    def resident_list(self):
        page = self.rng.randint(1, 20)
        self._page(f"/residents/?page={page}", "list", self.staff)

    @task(20)
    def search(self):
        self._page(f"/residents/?search={self.rng.choice(SEARCHES)}", "search", self.staff)

    @task(20)
    def detail(self):
        self._page(f"/residents/{self.rng.choice(PLAN['residents'])}/", "detail", self.staff)

    @task(15)
    def check_in(self):
        n = next(_diners)
        diners = PLAN["diners"]
        number, meal = diners[n % len(diners)], MEALS[(n // len(diners)) % len(MEALS)]
        # The counter's own web processes when load.py started them (compose's web-counter), else the office's.
        with self.client.post(PLAN.get("counter_host", "") + "/api/v1/meals/",
                              json={"id_number": number, "meal": meal}, name="check-in",
                              headers={"Authorization": f"Token {PLAN['counter_token']}"},
                              catch_response=True) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code} {r.text[:120]}")

    @task(5)
    def dashboard(self):
        self._page("/dashboard/", "dashboard", self.leader)
