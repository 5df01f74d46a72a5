"""Benchmark: the real app server (gunicorn, production settings over loopback HTTP) under
concurrent clients driven by wrk (Debian package `wrk`, a C load generator; a Lua script
carries the session cookie, rotates paths and counts non-200 answers).

    .venv/bin/python bench/http_load.py --duration 30 --connections 20 --think-ms 1000,0

Needs a population in the benchmark database (bench/generate_population.py). Migrates it,
signs in a county civil-affairs officer of the county with most children and measures, for
N seconds each: the first page of the county's child list with a filter (API and web page)
and a child's detail (API and web page, over 500 different children of the county). Prints
p50/p95/p99 latency, throughput and errors per scenario, with the load average (other work
on the machine shows there). `--think-ms 1000` makes each client pause a second between
requests, like people; 0 is a closed loop (each client sends its next request as soon as
the last is answered: the server's capacity); a comma-separated list runs each in turn.

The server runs config.settings.bench: production settings (DEBUG off, PostgreSQL, an
audit entry written for every view of a file, sessions in the database written at most
once a minute — hehu.accounts.middleware) with plain HTTP allowed on loopback.
For the CPU each request costs, independent of the machine's load, see
`bench/explain_list.py --cpu`.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from _common import DEFAULT_DATABASE_URL, PYTHON, ROOT, bench_env, loadavg, machine, manage

USERNAME = "bench_county"
PASSWORD = "Bench-county-2026"  # noqa: S105 - a benchmark account in the benchmark database
FILTER = "with_relatives"
# Every answer but 200 counts as an error, and so does every socket error or timeout.
ERROR_KINDS = ("other_than_200", "http_4xx", "http_5xx", "connect", "read", "write", "timeout")

LUA = """
local paths = {%(paths)s}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  s3, s4, s5 = 0, 0, 0
  counter = math.random(#paths)
end
function request()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter])
end
%(delay)s
function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1
  elseif status >= 400 then s4 = s4 + 1
  elseif status ~= 200 then s3 = s3 + 1 end
end
function done(summary, latency, requests)
  local c3, c4, c5 = 0, 0, 0
  for _, t in ipairs(threads) do
    c3, c4, c5 = c3 + t:get("s3"), c4 + t:get("s4"), c5 + t:get("s5")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"p50\\": %%d, \\"p95\\": %%d, " ..
    "\\"p99\\": %%d, \\"max\\": %%d, \\"other_than_200\\": %%d, \\"http_4xx\\": %%d, " ..
    "\\"http_5xx\\": %%d, \\"connect\\": %%d, \\"read\\": %%d, \\"write\\": %%d, " ..
    "\\"timeout\\": %%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, c3, c4, c5, e.connect, e.read, e.write, e.timeout))
end
"""


@dataclass
class Scenario:
    name: str
    paths: list[str]
    accept: str


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def bench_user_and_targets(county: str | None) -> tuple[str, list[int]]:
    """Create (or refresh) the benchmark officer; the county and 500 children in it."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from hehu.accounts.models import Department, Jurisdiction, Role, User
    from hehu.regions.models import Region
    from hehu.registry.models import Child

    if county is None:
        biggest = (
            Child.objects.annotate(county=Substr("region_id", 1, 6))
            .values("county")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        if biggest is None:
            raise SystemExit("no children: run bench/generate_population.py first")
        county = str(biggest["county"])
    user, _ = User.objects.get_or_create(
        username=USERNAME,
        defaults={"role": Role.COUNTY_CIVIL_AFFAIRS, "department": Department.CIVIL_AFFAIRS},
    )
    user.role, user.department, user.is_active = Role.COUNTY_CIVIL_AFFAIRS, "civil_affairs", True
    user.full_name = "基准测试县民政干部"
    user.set_password(PASSWORD)
    user.save()
    user.jurisdictions.all().delete()
    Jurisdiction.objects.create(
        user=user, prefix=county, region=Region.objects.get(code=county.ljust(12, "0"))
    )
    ids = list(
        Child.objects.filter(region__code__startswith=county, status="active")
        .order_by("?")
        .values_list("id", flat=True)[:500]
    )
    return county, ids


def start_server(
    env: dict[str, str], port: int, workers: int, worker_class: str
) -> subprocess.Popen[bytes]:
    command = [
        PYTHON, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", worker_class, "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health/", timeout=10):
                return server
        except OSError:  # refused while starting, or the first request still loading
            time.sleep(0.5)
    server.terminate()
    server.wait(timeout=30)
    raise SystemExit("gunicorn did not answer within 60 s")


def sign_in(base: str) -> str:
    """Sign in through the login form like a browser; return the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no CSRF token on the login page")
    form = urllib.parse.urlencode(
        {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    login = f"{base}/login/"
    request = urllib.request.Request(login, data=form, headers={"Referer": base})  # noqa: S310
    opener.open(request).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit("sign-in failed (no session cookie)")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def check(base: str, cookie: str, scenario: Scenario) -> str:
    headers = {"Cookie": cookie, "Accept": scenario.accept}
    request = urllib.request.Request(base + scenario.paths[0], headers=headers)  # noqa: S310
    with urllib.request.urlopen(request) as response:  # noqa: S310 - http://127.0.0.1 only
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{scenario.name}: HTTP {response.status}")
    if scenario.accept == "application/json":
        data = json.loads(body)
        if "count" in data:
            return f"{data['count']} matching, {len(data['results'])} on the page"
    return f"{len(body):,} bytes"


def run_wrk(
    base: str,
    cookie: str,
    scenario: Scenario,
    args: argparse.Namespace,
    think_ms: int,
    duration: int | None = None,
) -> dict:
    paths = ", ".join(json.dumps(p) for p in scenario.paths)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.lua"
        delay = f"function delay() return {think_ms} end" if think_ms else ""
        script.write_text(LUA % {"paths": paths, "delay": delay})
        command = [
            "wrk", "-t", str(args.threads), "-c", str(args.connections),
            "-d", f"{duration or args.duration}s", "--timeout", "10s", "-s", str(script),
            "-H", f"Cookie: {cookie}", "-H", f"Accept: {scenario.accept}", base,
        ]  # fmt: skip
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--county", default=None, help="6-digit county (default: the biggest)")
    parser.add_argument("--duration", type=int, default=30, help="seconds per scenario")
    parser.add_argument(
        "--warmup", type=int, default=3, help="unrecorded seconds of load before each run"
    )
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--only", default="", help="run the scenarios whose name contains this (e.g. list)"
    )
    parser.add_argument(
        "--think-ms",
        default="0",
        help="pause of each client between its requests (0: closed loop, as fast as possible); "
        "a comma-separated list (1000,0) runs the scenarios once for each",
    )
    parser.add_argument(
        "--worker-class", default="sync", help="gunicorn worker class (sync, gthread)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    env = bench_env(args.database_url)
    manage(["migrate", "--noinput", "-v", "0"], env)
    manage(["collectstatic", "--noinput", "-v", "0"], env)
    django_setup(env)
    county, ids = bench_user_and_targets(args.county)
    from hehu.registry.models import Child

    total = Child.objects.count()
    in_county = Child.objects.filter(region__code__startswith=county).count()
    scenarios = [
        Scenario(
            "API list, page 1",
            [f"/api/v1/children/?region={county}&living_arrangement={FILTER}"],
            "application/json",
        ),
        Scenario(
            "web list, page 1",
            [f"/children/?region={county}&living_arrangement={FILTER}"],
            "text/html",
        ),
        Scenario("API detail", [f"/api/v1/children/{i}/" for i in ids], "application/json"),
        Scenario("web detail", [f"/children/{i}/" for i in ids], "text/html"),
    ]
    scenarios = [s for s in scenarios if args.only in s.name]
    think_times = [int(t) for t in str(args.think_ms).split(",")]
    print(f"machine: {machine()}; {total:,} children, {in_county:,} in county {county}")
    print(
        f"server: gunicorn, {args.workers} {args.worker_class} workers, config.settings.bench "
        f"(production settings over HTTP); load: wrk, {args.threads} threads, "
        f"{args.connections} connections, {args.duration} s per scenario"
    )
    server = start_server(env, args.port, args.workers, args.worker_class)
    base = f"http://127.0.0.1:{args.port}"
    try:
        cookie = sign_in(base)
        for think_ms in think_times:
            print(f"think time {think_ms} ms" + (" (closed loop)" if not think_ms else ""))
            print(f"{'scenario':<18} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
                  f"{'req/s':>7} {'errors':>7}  load avg   check")  # fmt: skip
            for scenario in scenarios:
                measure(base, cookie, scenario, args, think_ms)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def measure(
    base: str, cookie: str, scenario: Scenario, args: argparse.Namespace, think_ms: int
) -> None:
    note = check(base, cookie, scenario)
    if args.warmup:
        # Unrecorded: every worker loads its templates, catalogues and connection first.
        run_wrk(base, cookie, scenario, args, 0, duration=args.warmup)
    r = run_wrk(base, cookie, scenario, args, think_ms)
    rate = r["requests"] / (r["duration_us"] / 1e6)
    errors = sum(r[k] for k in ERROR_KINDS)
    if errors:
        note += " | errors: " + ", ".join(f"{k} {r[k]}" for k in ERROR_KINDS if r[k])
    print(
        f"{scenario.name:<18} {r['p50'] / 1000:>7.1f} {r['p95'] / 1000:>7.1f} "
        f"{r['p99'] / 1000:>7.1f} {r['max'] / 1000:>7.1f} {rate:>7.1f} {errors:>7}  "
        f"{loadavg()}  {note}",
        flush=True,
    )


if __name__ == "__main__":
    main()
