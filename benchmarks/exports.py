#!/usr/bin/env python
"""The resident export at 100,000 rows, beside the bare writing of the same cells.

    python benchmarks/exports.py        # SQLite: benchmarks/bench.sqlite3 (the list benchmark's data)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedao_bench python benchmarks/exports.py

Times GET /api/v1/residents/?format=xlsx as the sub-district admin (every resident, through the whole
stack: scope, FilterSet, masking, audit) and jiedao.xlsx.write_sheet alone on the same rows already in
memory, and reports the peak memory of the process.
"""

import argparse
import io
import os
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> int:
    import residents_list

    args = argparse.Namespace(allow_any_database="--allow-any-database" in sys.argv)
    residents_list.configure_environment(args)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from jiedao.models import User
    from jiedao.xlsx import write_sheet
    from residents import demo
    from residents.exports import RESIDENT_COLUMNS
    from residents.models import Resident

    call_command("migrate", verbosity=0, interactive=False)
    result = demo.seed(residents=100_000, seed=1)
    demo.ensure_accounts(result.subdistrict, demo.PASSWORD_DEFAULT)
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    started = time.perf_counter()
    response = client.get("/api/v1/residents/?format=xlsx&status=all")
    body = b"".join(response.streaming_content)
    export_s = time.perf_counter() - started
    assert response.status_code == 200
    people = list(Resident.objects.select_related("grid", "community").prefetch_related("tag_links"))
    rows = [[accessor(r) for _, accessor, _ in RESIDENT_COLUMNS] for r in people]
    started = time.perf_counter()
    write_sheet(io.BytesIO(), title="bare", columns=[(h, w) for h, _, w in RESIDENT_COLUMNS], rows=rows)
    bare_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| measure ({connection.vendor}, {len(people):,} residents × {len(RESIDENT_COLUMNS)} columns) | result |")
    print("|---|---|")
    print(f"| GET /api/v1/residents/?format=xlsx (whole stack) | {export_s:.1f} s, {len(body) / 1e6:.1f} MB file |")
    print(f"| write_sheet alone, same rows in memory | {bare_s:.1f} s |")
    print(f"| peak memory of the process (includes the rows held for the bare run) | {peak_mb:.0f} MB |")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DEBUG", "1")
    sys.exit(main())
