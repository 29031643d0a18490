"""Template share: how much of a list page is the template drawing it, on the list benchmark's database.

For each list page, as `admin` (the whole sub-district) and `staff1` (one community): the CPU time of the
whole request through the test client, and the CPU time of drawing its template alone, with the page's
rows already read (a list's query runs lazily inside the template: timing the template with it would
count the database as template). Medians of --runs, CPU time of this process (steadier than wall time on a
shared machine; on SQLite the queries run in this process too, which the request's figure includes).

    .venv/bin/python benchmarks/templates.py            # SQLite: benchmarks/bench.sqlite3 (make bench seeds it)
"""

import argparse
import statistics
import sys
import time

import common

PAGES = ["/residents/", "/residents/?search=zh", "/residents/households/", "/visits/", "/care/meals/",
         "/assistance/", "/volunteers/"]


def cpu_ms(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.process_time()
        call()
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--users", default="admin,staff1")
    common.add_database_arguments(parser)
    args = parser.parse_args()
    common.setup_django("bench.sqlite3", allow_any_database=args.allow_any_database)

    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory
    from django.urls import resolve

    from jiedao.models import User

    print(f"Database: {common.database_label()}")
    rows = []
    for username in args.users.split(","):
        user = User.objects.get(username=username)
        client = common.client_for(user)
        for url in PAGES:
            if client.get(url).status_code != 200:
                print(f"{username} {url}: not 200, left out", file=sys.stderr)
                continue
            request_cpu = cpu_ms(lambda url=url, client=client: client.get(url), args.runs)
            request = RequestFactory().get(url)
            request.user, request.session = user, client.session
            request._messages = FallbackStorage(request)
            match = resolve(request.path)
            response = match.func(request, *match.args, **match.kwargs)
            context = response.context_data
            page = context.get("page_obj")
            if page is not None:
                page.object_list = list(page.object_list)  # the rows read now, not inside the template
                context["object_list"] = page.object_list

            def draw(response=response):
                response._is_rendered = False
                response.render()

            draw()
            template_cpu = cpu_ms(draw, args.runs)
            rows.append((username, url, f"{request_cpu:.1f}", f"{template_cpu:.1f}",
                         f"{template_cpu / request_cpu:.0%}"))
    common.print_table(["user", "page", "request ms (cpu)", "template ms (cpu)", "share"], rows, align="llrrr")
    return 0


if __name__ == "__main__":
    sys.exit(main())
