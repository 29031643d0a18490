"""How long the district's demo seed takes, and how much memory: `manage.py seed_demo --subdistricts 10
--residents 1000000` run as a child process on a fresh PostgreSQL database, its wall time, CPU time and peak
resident memory (getrusage of the child), then what it made, counted.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedao_bench_seed .venv/bin/python benchmarks/seed.py
    ... benchmarks/seed.py --residents 100000 --subdistricts 10      # smaller

The database (its name must contain "bench") is dropped and made again from a migrated template
(<name>_template, migrated once and kept), so every run seeds an empty database and migrating is not timed.
The targets (issue 17): under 120 s and under 500 MB at a million residents in ten sub-districts. Exits 1
when a target is missed or the seed fails.
"""

import argparse
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import dj_database_url
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
WALL_TARGET, RSS_TARGET_MB = 120.0, 500.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--subdistricts", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    db = dj_database_url.parse(url) if url else {}
    if "postgresql" not in db.get("ENGINE", "") or "bench" not in db.get("NAME", ""):
        sys.exit("Set DATABASE_URL to a PostgreSQL database whose name contains 'bench' (it is dropped and made "
                 "again), e.g. postgres://postgres@127.0.0.1:5432/jiedao_bench_seed")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jiedao.settings", "DEBUG": "0",
           "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-insecure-key"),
           "FIELD_ENCRYPTION_KEY": os.environ.get("FIELD_ENCRYPTION_KEY", "benchmark-only-field-encryption-key-0123"),
           "ALLOWED_HOSTS": "127.0.0.1"}
    fresh_database(db, url, env)
    command = [sys.executable, "manage.py", "seed_demo", "--subdistricts", str(args.subdistricts),
               "--residents", str(args.residents), "--seed", str(args.seed), "-v", "2"]
    print("$", " ".join(command[1:]), flush=True)
    started = time.monotonic()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    backend = BackendCpu(db)
    backend.start()
    out, err = child.communicate()
    wall = time.monotonic() - started
    backend.stop = True
    backend.join()
    done = subprocess.CompletedProcess(command, child.returncode, out, err)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the seed's, the only child waited for since
    if done.returncode:
        print(done.stdout[-3000:], done.stderr[-5000:], sep="\n")
        return 1
    lines = done.stdout.splitlines()
    print(lines[0], *(line for line in lines if line.startswith("各步用时")), sep="\n")
    rss_mb = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    with connect(db) as conn:
        counts = conn.execute("""
            SELECT (SELECT COUNT(*) FROM residents_subdistrict), (SELECT COUNT(*) FROM residents_community),
                   (SELECT COUNT(*) FROM residents_grid), (SELECT COUNT(*) FROM residents_household),
                   (SELECT COUNT(*) FROM residents_resident), (SELECT COUNT(*) FROM visits_visit),
                   (SELECT COUNT(*) FROM elderly_care_meal), (SELECT COUNT(*) FROM assistance_case)""").fetchone()
        load = os.getloadavg()
    print("| sub-districts | communities | grids | households | residents | visits | meals | cases |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print("| " + " | ".join(f"{n:,}" for n in counts) + " |")
    print(f"\nwall {wall:.1f} s (target < {WALL_TARGET:.0f} s) · CPU of the seed process {cpu:.1f} s, of its "
          f"PostgreSQL backends {backend.seconds:.1f} s (their parallel workers {backend.worker_seconds:.1f} s of it)"
          " · "
          f"peak RSS {rss_mb:.0f} MB (target < {RSS_TARGET_MB:.0f} MB) · load average {load[0]:.1f} on "
          f"{os.cpu_count()} cores")
    return 0 if wall < WALL_TARGET and rss_mb < RSS_TARGET_MB else 1


class BackendCpu(threading.Thread):
    """The CPU seconds of the seed's PostgreSQL backends (server on this machine: /proc/<pid>/stat), read every
    half second while the seed runs (the last read is at most that short of the whole): its client backend and
    the parallel workers an index build starts (each lives for one build, so its last read may fall short)."""

    def __init__(self, db: dict):
        super().__init__(daemon=True)
        self.db, self.stop, self.ticks = db, False, os.sysconf("SC_CLK_TCK")
        self.by_pid: dict[int, float] = {}
        self.workers: set[int] = set()

    @property
    def seconds(self) -> float:
        return sum(self.by_pid.values())

    @property
    def worker_seconds(self) -> float:
        return sum(cpu for pid, cpu in self.by_pid.items() if pid in self.workers)

    def run(self):
        with connect(self.db, "postgres") as conn:
            while not self.stop:
                pids = conn.execute("SELECT pid, backend_type FROM pg_stat_activity WHERE datname = %s AND "
                                    "backend_type IN ('client backend', 'parallel worker')",
                                    [self.db["NAME"]]).fetchall()
                self.workers.update(pid for pid, kind in pids if kind == "parallel worker")
                for pid, _ in pids:
                    try:
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    cpu = (int(fields[11]) + int(fields[12])) / self.ticks  # utime, stime
                    self.by_pid[pid] = max(self.by_pid.get(pid, 0.0), cpu)
                time.sleep(0.5)


def connect(db: dict, name: str | None = None) -> psycopg.Connection:
    params = {"dbname": name or db["NAME"], "user": db.get("USER"), "password": db.get("PASSWORD"),
              "host": db.get("HOST"), "port": db.get("PORT")}
    return psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True)


def fresh_database(db: dict, url: str, env: dict) -> None:
    """Drop the benchmark database and make it again from its migrated template (migrating the template the
    first time, and again when a migration was added since)."""
    name, template = db["NAME"], f"{db['NAME']}_template"
    with connect(db, "postgres") as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template)))
    template_url = url.rsplit("/", 1)[0] + "/" + template
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0", "--noinput"], cwd=ROOT, check=True,
                   env={**env, "DATABASE_URL": template_url, "DATABASE_OWNER_URL": template_url})
    with connect(db, "postgres") as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname IN (%s, %s) "
                     "AND pid <> pg_backend_pid()", [name, template])
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
        # A database's settings are not copied with its template: what migrations jiedao 0022 and 0024 set, set
        # again.
        for setting in ("jit = off", "random_page_cost = 1.1"):
            conn.execute(sql.SQL("ALTER DATABASE {} SET " + setting).format(sql.Identifier(name)))


if __name__ == "__main__":
    sys.exit(main())
