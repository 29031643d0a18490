"""Load: the office's mix of requests against gunicorn on 127.0.0.1, as a share of the plain page's rate.

Seeds (once) the demo sub-district with --residents residents and a month of meals, starts gunicorn
(--workers, DEBUG off, the collected static files) on a free port, and runs locust headless on the same
machine (benchmarks/locustfile.py), bounded in time: first the plain page (the login page, anonymous), then
the mix (60% lists and searches, 20% details, 15% canteen check-ins, 5% dashboard) at each --clients count.
Prints requests/s, the mix's rate as a share of the plain page's on the same run, p50/p95 per kind of
request, the check-in's p95 and the errors. Exits 1 if any request failed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedao_load_bench .venv/bin/python benchmarks/load.py
    .venv/bin/python benchmarks/load.py --residents 20000 --seconds 15     # SQLite, a quick look

Options: --residents (100000), --workers (4), --counter-workers (2), --clients (4,25), --seconds per run (30).

The canteen counter's check-ins go to a gunicorn of their own (--counter-workers), as the deployment routes
`/api/v1/meals/` to compose's `web-counter`: a diner at the counter never queues behind the office's list pages
for a worker. --counter-workers 0 sends them to the office's gunicorn with everything else.
"""

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import common


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn stopped before answering: see its log (printed below the table when it runs)")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"gunicorn did not answer on port {port} within {seconds} s")


def plan(residents: int, days: int) -> dict:
    """Seed (reused when there), and what the clients need: sessions, the counter's token, ids, diners."""
    from django.utils import timezone

    from elderly_care import demo as care_demo
    from elderly_care.models import Meal
    from elderly_care.services import eligible_residents
    from jiedao import services
    from jiedao.models import User
    from residents import demo
    from residents.models import Resident

    common.migrate()
    started = time.perf_counter()
    result = common.seed_residents(residents)
    written = care_demo.seed_care(subdistrict=result.subdistrict, days=days, seed=1)
    if result.created or written:
        common.analyze()
    demo.ensure_accounts(result.subdistrict, demo.PASSWORD_DEFAULT)
    print(f"seed: {Resident.objects.count():,} residents, {Meal.objects.count():,} meals "
          f"({time.perf_counter() - started:.1f} s)")
    staff, leader, counter = (User.objects.get(username=name) for name in ("staff1", "leader", "point1"))
    today = timezone.localdate()
    Meal.objects.filter(date=today).delete()  # each run checks in afresh: once per person and meal
    diners = list(eligible_residents(counter.service_point).values_list("id_number", flat=True)[:6000])
    key, _ = services.api_token_issue(user=counter)
    return {
        "sessions": {"staff": common.signed_in_session(staff), "leader": common.signed_in_session(leader)},
        "counter_token": key,
        "residents": list(Resident.objects.visible_to(staff).values_list("pk", flat=True)[:2000]),
        "diners": diners,
    }


def _number(text: str) -> float:
    return float("nan") if text in ("", "N/A") else float(text)


def run_locust(user_class: str, clients: int, seconds: int, host: str, env: dict, out: Path) -> dict:
    prefix = out / f"{user_class}-{clients}"
    subprocess.run([str(Path(sys.executable).parent / "locust"), "-f", str(common.HERE / "locustfile.py"),
                    user_class, "--headless", "--users", str(clients), "--spawn-rate", str(clients),
                    "--run-time", f"{seconds}s", "--host", host, "--csv", str(prefix), "--only-summary",
                    "--loglevel", "WARNING", "--stop-timeout", "5"],
                   env=env, check=False, stdout=subprocess.DEVNULL)
    rows = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows[row["Name"]] = {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                                 "rps": float(row["Requests/s"]), "p50": _number(row["50%"]),
                                 "p95": _number(row["95%"])}
    failures = []
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        with open(failures_file, encoding="utf-8") as f:
            failures = [f"{r['Name']}: {r['Error']} ×{r['Occurrences']}" for r in csv.DictReader(f)]
    return {"rows": rows, "failures": failures}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30, help="days of meals seeded (default 30)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--clients", default="4,25", help="locust clients per run, comma-separated")
    parser.add_argument("--counter-workers", type=int, default=2,
                        help="workers of the counter's own gunicorn for check-ins (default 2; 0: none)")
    parser.add_argument("--counter-priority", type=int, default=0,
                        help="the counter's processes this many nice steps above the rest (compose's cpu_shares "
                             "for web-counter; 6 is about 4x the CPU weight; needs root; default 0)")
    parser.add_argument("--seconds", type=int, default=30, help="each run's length (default 30)")
    common.add_database_arguments(parser)
    args = parser.parse_args()
    # DEBUG off refuses the development key: the seed and the server share this one (a database of its own,
    # then: one seeded by another benchmark under the development key would not decrypt).
    os.environ.setdefault("FIELD_ENCRYPTION_KEY", "load-benchmark-field-key-0123456789abcdef")
    url = common.setup_django("load.sqlite3", allow_any_database=args.allow_any_database)
    print(f"Database: {common.database_label()}")
    handed = plan(args.residents, args.days)

    from django.conf import settings
    from django.utils import timezone

    from elderly_care.models import Meal

    out = Path(tempfile.mkdtemp(prefix="jiedao-load-"))
    (out / "plan.json").write_text(json.dumps(handed), encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1",
           "LOAD_PLAN": str(out / "plan.json"), "PYTHONPATH": str(common.ROOT),
           # The keys the seed wrote with.
           "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY, "SECRET_KEY": settings.SECRET_KEY}
    # Not the 127.0.0.1 of a proxy in production: plain HTTP, so no HTTPS redirect or secure cookies.
    env.pop("SECURE", None)
    # DEBUG off serves the collected files, by their hashed names (the manifest): collected as it would be.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=common.ROOT,
                   env={**env, "LOAD_PLAN": ""}, check=True)
    def gunicorn(workers: int, log: str, priority: int = 0) -> tuple[subprocess.Popen, str]:
        port = free_port()
        server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "jiedao.wsgi:application",
                                   "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                                   "--logger-class", "jiedao.gunicorn_logging.RedactingLogger"],
                                  cwd=common.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(out / log, "w"),
                                  preexec_fn=(lambda: os.nice(-priority)) if priority else None)
        wait_for(port, server)
        first = urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=60)  # workers booted
        assert first.status == 200, first.status
        return server, f"http://127.0.0.1:{port}"

    servers = []
    try:
        office, host = gunicorn(args.workers, "gunicorn.log")
        servers.append(office)
        if args.counter_workers:
            counter, handed["counter_host"] = gunicorn(args.counter_workers, "gunicorn-counter.log",
                                                       args.counter_priority)
            servers.append(counter)
            (out / "plan.json").write_text(json.dumps(handed), encoding="utf-8")
        results = []
        for clients in [int(c) for c in args.clients.split(",") if c.strip()]:
            plain = run_locust("PlainPage", clients, args.seconds, host, env, out)
            Meal.objects.filter(date=timezone.localdate()).delete()  # each run's diners are served afresh
            mix = run_locust("Office", clients, args.seconds, host, env, out)
            results.append((clients, plain, mix))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)

    failed = False
    counter = (f", the counter's check-ins on {args.counter_workers} of their own" if args.counter_workers
               else ", check-ins among them")
    if args.counter_workers and args.counter_priority:
        counter += f" at nice -{args.counter_priority}"
    print(f"\ngunicorn {args.workers} workers on 127.0.0.1{counter}, locust on the same machine, {args.seconds} s "
          f"per run ({os.cpu_count()} cores)\n")
    rows = []
    for clients, plain, mix in results:
        plain_rps, mix_rps = plain["rows"]["Aggregated"]["rps"], mix["rows"]["Aggregated"]["rps"]
        check_in = mix["rows"].get("check-in", {"p95": float("nan")})
        errors = plain["rows"]["Aggregated"]["failures"] + mix["rows"]["Aggregated"]["failures"]
        failed |= bool(errors)
        rows.append((clients, f"{plain_rps:.0f}", f"{mix_rps:.0f}", f"{mix_rps / plain_rps:.0%}",
                     f"{check_in['p95']:.0f}", errors))
    common.print_table(["clients", "plain page req/s", "mix req/s", "mix / plain", "check-in p95 ms", "errors"],
                       rows, align="rrrrrr")
    for clients, _, mix in results:
        print(f"\nmix at {clients} clients:")
        common.print_table(["request", "count", "p50 ms", "p95 ms", "failures"],
                           [(name, r["requests"], f"{r['p50']:.0f}", f"{r['p95']:.0f}", r["failures"])
                            for name, r in mix["rows"].items()], align="lrrrr")
        for line in mix["failures"]:
            print(f"  failed: {line}")
    print(f"\n(locust's files and gunicorn's log: {out})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
