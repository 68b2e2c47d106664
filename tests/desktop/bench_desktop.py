#!/usr/bin/env python3
"""The desktop app on a replica of 50,000 invoices (issue 6's targets): cold start to the
first interactive screen (the dashboard showing its figures), filtering through the app's own
IPC, and resident memory. Prints Markdown table rows; scripts/bench-desktop appends them to
bench/RESULTS.md.

Usage: bench_desktop.py PATH_TO_REMIT_DESKTOP SEEDED_REPLICA_DIR
"""
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

from webdriver import App, first_run, retried

STARTS = 5
FILTERS = 20
ROWS = '[data-testid="invoice-list"] tbody tr button'
# The first screen: the dashboard's figures, computed over the whole replica.
FIRST = '[data-testid="figures-USD"] [data-testid="outstanding"]'
# The app's own IPC from inside its window, timed there: the engine's answer as the screen gets it.
INVOKE = """
const done = arguments[arguments.length - 1];
const t = performance.now();
window.__TAURI_INTERNALS__.invoke('invoice_page', {search: arguments[0], status: arguments[1],
    sort: 'newest', offset: 0, limit: 200})
  .then(p => done([performance.now() - t, p.matching, p.rows.length]), e => done(['error', String(e)]));
"""


def copy_of(replica):
    dir = tempfile.mkdtemp(prefix="remit-bench-app-")
    shutil.copytree(replica, dir, dirs_exist_ok=True)
    return dir


def memory_kib(pid):
    """(resident, anonymous) memory. RSS counts every shared library page in every process
    that maps it; "anonymous" is the process's own heap and stacks (the replica's caches, the
    page's DOM and JavaScript), which no other process shares. Proportional and unique set
    sizes moved by a third between runs with whatever else had the same libraries mapped, so
    they are not reported."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            fields = {line.split(":")[0]: int(line.split()[1]) for line in f if line.split()[-1:] == ["kB"]}
        return fields.get("Rss", 0), fields.get("Anonymous", 0)
    except (FileNotFoundError, PermissionError):
        return 0, 0


# What a page belongs to, by the file it maps: WebKitGTK's own libraries; Mesa, which WebKitGTK
# loads for its EGL display even with compositing off (software GL here: libLLVM); the speech
# synthesis voices WebKitGTK links; the app's binary; every other library; and memory of the
# processes' own (heaps, stacks, the X server's shared images).
GROUPS = [
    ("WebKitGTK and JavaScriptCore", ("libwebkit2gtk", "libjavascriptcoregtk", "/WebKit")),
    ("Mesa GL (libLLVM, drivers)", ("libLLVM", "/dri/", "libEGL", "libGL", "libgbm", "libglapi", "libz3", "libdrm")),
    ("WebKitGTK's speech voices (flite)", ("libflite",)),
    ("the app's binary", ("remit-desktop",)),
    ("other libraries", ("/usr/", "/lib")),
]
OWN = "memory of their own (heaps, DOM, JavaScript, images)"


def group_of(path):
    if path.startswith("/") and not path.startswith(("/SYSV", "/dev/", "/memfd:")):
        for name, needles in GROUPS:
            if any(n in path for n in needles):
                return name
    return OWN


def footprint_kib(pids):
    """The pages resident in any of `pids`, each counted once (a library's page mapped by the
    three processes is one page of memory), by group. None where the kernel hides page frame
    numbers (reading them needs CAP_SYS_ADMIN) or a process ended while being read."""
    owner = {}
    try:
        for pid in pids:
            with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
                for line in maps:
                    fields = line.split(None, 5)
                    start, end = (int(x, 16) for x in fields[0].split("-"))
                    path = fields[5].strip() if len(fields) > 5 else ""
                    # Reserved address space (JavaScriptCore keeps gigabytes of it) holds no page.
                    if path == "[vsyscall]" or fields[1].startswith("---"):
                        continue
                    pagemap.seek(start // 4096 * 8)
                    entries = pagemap.read((end - start) // 4096 * 8)
                    for (entry,) in struct.iter_unpack("<Q", entries):
                        frame = entry & ((1 << 55) - 1)
                        if entry >> 63 and frame:
                            owner[frame] = group_of(path)
    except (FileNotFoundError, PermissionError, ProcessLookupError):
        return None
    if not owner:
        return None
    groups = dict.fromkeys([g for g, _ in GROUPS] + [OWN], 0)
    for group in owner.values():
        groups[group] += 4
    return len(owner) * 4, groups


def name_of(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except FileNotFoundError:
        return "?"


def family(root):
    """The app's process and every process under it (WebKit's web and network processes)."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        todo.extend(int(k) for k in kids)
    return out


def app_pid(binary):
    pids = subprocess.run(["pgrep", "-f", "-n", binary], capture_output=True, text=True).stdout.split()
    return int(pids[0]) if pids else None


def first_screen(driver, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if driver.find(FIRST):
            return
        time.sleep(0.01)
    raise AssertionError("the dashboard never showed its figures")


def execute(driver, script, *args):
    return retried(lambda: driver.call("POST", f"/session/{driver.session}/execute/async",
                                       {"script": script, "args": list(args)}))


def main():
    binary, replica = os.path.abspath(sys.argv[1]), sys.argv[2]
    starts = []
    for i in range(STARTS):
        app = App(binary, copy_of(replica))
        for _ in range(100):  # tauri-driver up, before the clock starts
            try:
                app.driver.call("GET", "/status")
                break
            except (OSError, RuntimeError):
                time.sleep(0.1)
        t0 = time.perf_counter()
        app.driver.start(app.application)
        first_screen(app.driver)
        starts.append((time.perf_counter() - t0) * 1000)
        if i < STARTS - 1:
            app.__exit__(None, None, None)
    driver = app.driver
    timings = {}
    for name, search, status in [("search \"acme\"", "acme", None), ("status overdue", None, "overdue"),
                                 ("no filter", None, None)]:
        runs = [execute(driver, INVOKE, search, status) for _ in range(FILTERS)]
        assert all(r[0] != "error" for r in runs), runs
        # The first run is reported apart: it prepares the statement and reads the index
        # into the page cache, once per window.
        times = sorted(r[0] for r in runs[1:])
        timings[name] = (runs[0][1], runs[0][0], statistics.median(times), times[-1])
    # Memory after the work above: the list loaded, filtered, a detail opened.
    driver.click('[data-testid="nav-invoices"]')
    while not driver.find(ROWS):
        time.sleep(0.05)
    driver.click(ROWS)
    time.sleep(1)
    pid = app_pid(binary)
    processes = [(name_of(p), *memory_kib(p)) for p in family(pid)]
    pages = footprint_kib(family(pid))
    app.__exit__(None, None, None)

    print(f"| cold start to the dashboard's figures (WebDriver session start included), {STARTS} starts "
          f"| median {statistics.median(starts):.0f} ms, slowest {max(starts):.0f} ms | 1500 ms |")
    for name, (matching, first, p50, worst) in timings.items():
        print(f"| filter through the app's IPC, {name} ({matching} match, 200 rows), {FILTERS} runs "
              f"| first {first:.0f} ms; then median {p50:.1f} ms, slowest {worst:.1f} ms | 50 ms |")
    # The same app on an empty replica: what the 50,000 invoices add to the footprint.
    with App(binary, tempfile.mkdtemp(prefix="remit-bench-empty-")) as empty:
        first_run(empty, "Field Services Co")
        time.sleep(1)
        baseline = [(name_of(p), *memory_kib(p)) for p in family(app_pid(binary))]
        baseline_pages = footprint_kib(family(app_pid(binary)))

    for name, rss, pss in processes:
        print(f"| memory of {name}: resident (RSS) / anonymous | {rss / 1024:.0f} / {pss / 1024:.0f} MiB | |")
    total_rss = sum(p[1] for p in processes)
    total_pss = sum(p[2] for p in processes)
    print(f"| memory of the app with its WebKit processes: RSS summed / anonymous summed "
          f"| {total_rss / 1024:.0f} / {total_pss / 1024:.0f} MiB | 200 MB |")
    print(f"| the same on an empty replica (WebKit's and the app's own baseline): RSS summed / anonymous summed "
          f"| {sum(p[1] for p in baseline) / 1024:.0f} / {sum(p[2] for p in baseline) / 1024:.0f} MiB | |")
    for label, measured, target in [("", pages, "200 MB"), (", empty replica", baseline_pages, "")]:
        if measured is None:
            print(f"| memory of the app with its WebKit processes, each page counted once{label} "
                  f"| not measured (page frame numbers unreadable: they need root) | {target} |")
            continue
        total, groups = measured
        parts = ", ".join(f"{name} {kib / 1024:.0f}" for name, kib in groups.items())
        print(f"| memory of the app with its WebKit processes, each page counted once{label} "
              f"| {total / 1024:.0f} MiB ({parts}) | {target} |")


if __name__ == "__main__":
    main()
