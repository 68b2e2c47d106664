#!/usr/bin/env python3
"""REST API load benchmark: GET /v1/invoices/{id} and a filtered list of 50, driven by wrk on
the same machine as a release build of remit-server.

The data set: TENANTS tenants, each with one customer and one invoice made through the API
(customer, create, issue); the rest of each tenant's invoices are copies of that invoice's
document and projection made in SQL, varied in id, number, status, dates and total, so seeding
a million takes a minute instead of hours. The read paths measured (auth, rate limit, the
projection by id, the filtered keyset list) are the ones real invoices take.

    scripts/bench-api                       # both: SQLite 100,000 and PostgreSQL 1,000,000
    BENCH_DB=sqlite BENCH_INVOICES=100000 scripts/bench-api
Results are appended to bench/RESULTS.md.
"""

import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BIN = os.path.join(TARGET, "release", "remit-server")
PG_ADMIN = os.environ.get("REMIT_TEST_DATABASE_URL", "postgres://root@127.0.0.1:5432/test")
DURATION = os.environ.get("BENCH_DURATION", "20s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "32")
STATUSES = ["issued", "sent", "partially_paid", "paid", "viewed"]


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def api(base, key, method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Authorization", "Bearer " + key)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read() or b"null")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def seed_sql_postgres(tenant, template_id, per_tenant):
    """Copies of the template invoice: documents, then projections, all in one statement each."""
    return f"""
    CREATE TEMP TABLE ids AS SELECT i, gen_random_uuid() AS id FROM generate_series(1, {per_tenant - 1}) AS i;
    INSERT INTO documents (tenant_id, id, kind, bytes, version, created_by, updated_at)
      SELECT d.tenant_id, ids.id, 'invoice', d.bytes, 1, d.created_by, now()
      FROM ids, documents d WHERE d.tenant_id = '{tenant}' AND d.id = '{template_id}';
    INSERT INTO invoices (tenant_id, id, number, customer_id, customer_name, status, currency, issue_date, due_date,
        subtotal, tax, total, total_e4, amount_paid, amount_due, search, created_by, created_at, updated_at, api_json)
      SELECT v.tenant_id, ids.id, 'INV-B-' || lpad(ids.i::text, 7, '0'), v.customer_id, v.customer_name,
        (ARRAY{STATUSES!r})[ids.i % 5 + 1], v.currency, date '2024-01-01' + (ids.i % 730), date '2024-01-31' + (ids.i % 730),
        v.subtotal, v.tax, (ids.i % 997 + 1) * 100, (ids.i % 997 + 1) * 10000, 0, (ids.i % 997 + 1) * 100,
        'inv-b-' || lpad(ids.i::text, 7, '0') || ' ' || v.search, v.created_by,
        now() - make_interval(secs => ids.i), now(),
        replace(replace(replace(v.api_json, '{template_id}', ids.id::text), '"status":"issued"',
          '"status":"' || (ARRAY{STATUSES!r})[ids.i % 5 + 1] || '"'), v.number, 'INV-B-' || lpad(ids.i::text, 7, '0'))
      FROM ids, invoices v WHERE v.tenant_id = '{tenant}' AND v.id = '{template_id}';
    DROP TABLE ids;
    """


def seed_sql_sqlite(tenant, template_id, per_tenant):
    uuid = ("lower(substr(h,1,8)||'-'||substr(h,9,4)||'-7'||substr(h,14,3)||'-8'||substr(h,18,3)||'-'||substr(h,21,12))")
    statuses = "CASE i % 5 " + " ".join(f"WHEN {n} THEN '{s}'" for n, s in enumerate(STATUSES)) + " END"
    return f"""
    CREATE TEMP TABLE ids AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {per_tenant - 1})
      SELECT i, {uuid} AS id, {statuses} AS status FROM (SELECT i, hex(randomblob(16)) AS h FROM n);
    INSERT INTO documents (tenant_id, id, kind, bytes, version, created_by, updated_at)
      SELECT d.tenant_id, ids.id, 'invoice', d.bytes, 1, d.created_by, d.updated_at
      FROM ids, documents d WHERE d.tenant_id = '{tenant}' AND d.id = '{template_id}';
    INSERT INTO invoices (tenant_id, id, number, customer_id, customer_name, status, currency, issue_date, due_date,
        subtotal, tax, total, total_e4, amount_paid, amount_due, search, created_by, created_at, updated_at, api_json)
      SELECT v.tenant_id, ids.id, 'INV-B-' || printf('%07d', ids.i), v.customer_id, v.customer_name, ids.status, v.currency,
        date('2024-01-01', '+' || (ids.i % 730) || ' days'), date('2024-01-31', '+' || (ids.i % 730) || ' days'),
        v.subtotal, v.tax, (ids.i % 997 + 1) * 100, (ids.i % 997 + 1) * 10000, 0, (ids.i % 997 + 1) * 100,
        'inv-b-' || printf('%07d', ids.i) || ' ' || v.search, v.created_by,
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || ids.i || ' seconds'), v.updated_at,
        replace(replace(replace(v.api_json, '{template_id}', ids.id), '"status":"issued"', '"status":"' || ids.status || '"'),
          v.number, 'INV-B-' || printf('%07d', ids.i))
      FROM ids, invoices v WHERE v.tenant_id = '{tenant}' AND v.id = '{template_id}';
    DROP TABLE ids;
    """


def wrk(base, script, env):
    out = run("wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", "-s", script, base, env={**os.environ, **env})
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, lat, int(non2xx.group(1)) if non2xx else 0, out


def bench(kind, total, tenants):
    work = tempfile.mkdtemp(prefix="remit-bench-")
    if kind == "sqlite":
        url = f"sqlite:{work}/remit.db"
        sql = lambda text: run("sqlite3", f"{work}/remit.db", input=text)
    else:
        name = f"remit_bench_{os.getpid()}"
        run("psql", PG_ADMIN, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        run("psql", PG_ADMIN, "-qc", f"CREATE DATABASE {name}")
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        sql = lambda text: run("psql", url, "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", input=text)
    env = {**os.environ, "REMIT_LOG": "warn"}
    keys = []
    for t in range(tenants):
        out = json.loads(run(BIN, "admin", "create-tenant", "--name", f"Bench {t}", "--plan", "enterprise", "--database-url", url, env=env))
        run(BIN, "admin", "set-rate-limit", "--tenant", out["tenant_id"], "--requests-per-hour", "2000000000", "--database-url", url, env=env)
        keys.append((out["tenant_id"], out["owner"]["api_key"]))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([BIN, "serve", "--database-url", url, "--listen", f"127.0.0.1:{port}", "--outbox", f"{work}/outbox"],
                              env=env, stdout=subprocess.DEVNULL, stderr=open(f"{work}/server.log", "w"))
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/readyz")
                break
            except OSError:
                time.sleep(0.1)
        per_tenant = total // tenants
        started = time.time()
        sample = []
        for tenant, key in keys:
            customer = api(base, key, "POST", "/v1/customers", {"name": "ACME Corporation", "email": "billing@acme.com", "currency": "USD"})
            inv = api(base, key, "POST", "/v1/invoices", {"customer_id": customer["id"], "issue_date": "2025-01-15", "due_date": "2025-02-14",
                      "line_items": [{"description": "Web Development", "quantity": "40", "unit_price": "150.00", "tax_rate": "10"}]})
            api(base, key, "POST", f"/v1/invoices/{inv['id']}/issue", {})
            sql((seed_sql_sqlite if kind == "sqlite" else seed_sql_postgres)(tenant, inv["id"], per_tenant))
            ids = sql(f"SELECT id FROM invoices WHERE tenant_id = '{tenant}' ORDER BY random() LIMIT {max(1, 20000 // tenants)};")
            sample += [(key, i) for i in ids.split()]
        sql("ANALYZE;")
        seeded = time.time() - started
        count = sql("SELECT count(*) FROM invoices;").strip()
        random.shuffle(sample)
        with open(f"{work}/ids.txt", "w") as f:
            f.writelines(f"{k} {i}\n" for k, i in sample)
        with open(f"{work}/keys.txt", "w") as f:
            f.writelines(f"{k}\n" for _, k in keys)
        wenv = {"BENCH_IDS": f"{work}/ids.txt", "BENCH_KEYS": f"{work}/keys.txt"}
        results = {"invoices": count, "tenants": tenants, "seed_seconds": round(seeded)}
        for name, script in [("get", "get.lua"), ("list", "list.lua")]:
            wrk(base, os.path.join(ROOT, "bench", "wrk", script), wenv)  # warm up
            results[name] = wrk(base, os.path.join(ROOT, "bench", "wrk", script), wenv)
        return results
    finally:
        server.terminate()
        server.wait()
        if kind == "postgres" and not os.environ.get("BENCH_KEEP"):
            run("psql", PG_ADMIN, "-qc", f"DROP DATABASE IF EXISTS remit_bench_{os.getpid()} WITH (FORCE)")
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")


def main():
    which = os.environ.get("BENCH_DB", "both")
    runs = []
    if which in ("both", "sqlite"):
        runs.append(("sqlite", int(os.environ.get("BENCH_INVOICES", "100000")), int(os.environ.get("BENCH_TENANTS", "20"))))
    if which in ("both", "postgres"):
        runs.append(("postgres", int(os.environ.get("BENCH_INVOICES", "1000000")), int(os.environ.get("BENCH_TENANTS", "20"))))
    lines = []
    for kind, total, tenants in runs:
        print(f"== {kind}: seeding {total} invoices across {tenants} tenants", flush=True)
        r = bench(kind, total, tenants)
        lines.append(f"### {kind}: {r['invoices']} invoices, {r['tenants']} tenants (seeded in {r['seed_seconds']} s)\n")
        lines.append("| request | requests/s | p50 | p90 | p99 | non-2xx |\n|---|---|---|---|---|---|\n")
        for name, label in [("get", "`GET /v1/invoices/{id}`"), ("list", "`GET /v1/invoices?status=…&issue_date_from=…&limit=50`")]:
            rps, lat, bad, _ = r[name]
            lines.append(f"| {label} | {rps:.0f} | {lat.get('50')} | {lat.get('90')} | {lat.get('99')} | {bad} |\n")
        lines.append("\n")
        print("".join(lines[-5:]), flush=True)
    cpu = run("sh", "-c", "nproc; grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").split("\n")
    header = (f"\n## {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: wrk -t2 -c{CONNECTIONS} -d{DURATION}, "
              f"release build, server and load generator on one {cpu[0].strip()}-core machine ({cpu[1].strip()})\n\n")
    with open(os.path.join(ROOT, "bench", "RESULTS.md"), "a") as f:
        f.write(header + "".join(lines))


if __name__ == "__main__":
    sys.exit(main())
