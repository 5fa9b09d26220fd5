"""Benchmark of the participant app (issue: workshop checklists).

For the largest field (governance, 22 standards), against an empty Voilà notebook (one button)
served by the same `wholecomm-kit serve` in the same run:
  time from page request to an interactive page      target <= 1.5x the empty notebook's
  memory (RSS) of one participant's kernel           target <= 50 MB above an empty kernel
  20 participants opening the checklist at once     time until all are interactive (reported)
  the same 20 pages, server side only                 time until every page holds its rendered output

The browser crowd runs 20 Chromiums on the same machine as the server, which participants' own
devices never do; the server-side crowd asks for the 20 pages over plain HTTP at once, which is
what the facilitator's laptop has to do when 20 phones join (a page counts when its output arrived).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from common import REPO, Row, median, print_table
from playwright.async_api import Browser, async_playwright

from wholecomm_kit.report import CHROMIUM_FLAGS, find_browser
from wholecomm_kit.session import create_session

TOKEN = "benchtoken1"
READY = {"governance": ".wck-checklist", "empty_voila": "button:text-is('ready')"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kernel_rss_mb() -> dict[int, float]:
    """RSS of every running ipykernel process, by pid (Linux /proc)."""
    found = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            cmdline = (status.parent / "cmdline").read_bytes()
            if b"ipykernel_launcher" not in cmdline:
                continue
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    found[int(status.parent.name)] = int(line.split()[1]) / 1024
        except OSError:
            continue
    return found


def started_at(pid: int) -> int:
    """Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[19])


async def open_page(browser: Browser, base: str, notebook: str) -> float:
    context = await browser.new_context()
    page = await context.new_page()
    start = time.perf_counter()
    await page.goto(f"{base}/?token={TOKEN}", timeout=300_000)
    await page.goto(f"{base}/voila/render/{notebook}.ipynb", timeout=300_000)
    await page.wait_for_selector(READY[notebook], timeout=300_000)
    elapsed = time.perf_counter() - start
    await context.close()
    return elapsed


def fetch_rendered(base: str, notebook: str) -> bool:
    """Ask for a rendered page as a browser would; True when the notebook's output is in it."""
    url = f"{base}/voila/render/{notebook}.ipynb?token={TOKEN}"
    with urllib.request.urlopen(url, timeout=900) as response:
        body = response.read().decode("utf-8", errors="replace")
    return "application/vnd.jupyter.widget-view+json" in body


async def together_server_side(base: str, notebook: str, crowd: int) -> tuple[float, int]:
    start = time.perf_counter()
    results = await asyncio.gather(
        *(asyncio.to_thread(fetch_rendered, base, notebook) for _ in range(crowd)), return_exceptions=True
    )
    return time.perf_counter() - start, sum(1 for r in results if r is True)


async def together(browsers: list[Browser], base: str, notebook: str) -> tuple[float, int]:
    """Open the notebook in every browser at once: time until the last is done, and how many became interactive."""
    start = time.perf_counter()
    results = await asyncio.gather(*(open_page(b, base, notebook) for b in browsers), return_exceptions=True)
    return time.perf_counter() - start, sum(1 for r in results if isinstance(r, float))


async def kernel_memory(browser: Browser, base: str, notebook: str) -> float:
    """Open one page, measure the new kernel's RSS once it is interactive, then close the page."""
    before = set(kernel_rss_mb())
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{base}/?token={TOKEN}")
    await page.goto(f"{base}/voila/render/{notebook}.ipynb", timeout=300_000)
    await page.wait_for_selector(READY[notebook], timeout=300_000)
    await asyncio.sleep(1.0)
    new = {pid: rss for pid, rss in kernel_rss_mb().items() if pid not in before}
    await context.close()
    if not new:
        raise RuntimeError("no kernel was started for the page")
    return new[max(new, key=started_at)]  # earlier pages' kernels may still be shutting down


async def measure(base: str, repeat: int, crowd: int) -> list[Row]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(find_browser()), args=CHROMIUM_FLAGS)
        await open_page(browser, base, "empty_voila")  # warm-up: disk cache, first imports
        await open_page(browser, base, "governance")
        times: dict[str, list[float]] = {"governance": [], "empty_voila": []}
        for _ in range(repeat):
            for notebook in times:
                times[notebook].append(await open_page(browser, base, notebook))
        memory = {nb: median([await kernel_memory(browser, base, nb) for _ in range(2)]) for nb in times}
        await browser.close()
        # one browser per participant, as on their own devices: a single Chromium allows only six
        # connections per host, and every Voilà page holds one open while it renders
        crowd_browsers = [
            await playwright.chromium.launch(executable_path=str(find_browser()), args=CHROMIUM_FLAGS)
            for _ in range(crowd)
        ]
        crowd_time, crowd_ok = await together(crowd_browsers, base, "governance")
        crowd_empty, empty_ok = await together(crowd_browsers, base, "empty_voila")
        for crowd_browser in crowd_browsers:
            await crowd_browser.close()
        # after the browsers (whose kernels Voilà then shuts down): these pages' kernels stay until culled
        server_time, server_ok = await together_server_side(base, "governance", crowd)
        server_empty, server_empty_ok = await together_server_side(base, "empty_voila", crowd)
    checklist, empty = median(times["governance"]), median(times["empty_voila"])
    return [
        Row("governance checklist interactive", checklist, "empty notebook", empty, "s", 1.5),
        Row("kernel memory (RSS)", memory["governance"], "empty kernel", memory["empty_voila"], "MB", None),
        Row("kernel memory above empty", memory["governance"] - memory["empty_voila"], "target", 50.0, "MB", 1.0),
        Row(
            f"{crowd} participants at once ({crowd_ok}/{crowd} interactive)",
            crowd_time,
            f"{crowd} empty notebooks ({empty_ok}/{crowd})",
            crowd_empty,
            "s",
            None,
        ),
        Row(
            f"{crowd} pages at once, server side ({server_ok}/{crowd} complete)",
            server_time,
            f"{crowd} empty notebooks ({server_empty_ok}/{crowd})",
            server_empty,
            "s",
            None,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--crowd", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        session = create_session(
            municipality="Benchstadt",
            country="DE",
            size="small_town",
            date="2025-06-12",
            fields="governance",
            language="de",
            directory=tmp,
        )
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "wholecomm_kit", "serve", str(session.path), "--port", str(port), "--token", TOKEN],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, server)
            shutil.copy(REPO / "benchmarks" / "empty_voila.ipynb", session.path / "checklists" / "empty_voila.ipynb")
            rows = asyncio.run(measure(base, args.repeat, args.crowd))
            print_table(f"Participant app (Voilà), median of {args.repeat} page loads each", rows)
        finally:
            stop(server)
    return 0


def stop(server: subprocess.Popen[bytes]) -> None:
    """Ctrl-C as a facilitator would; then SIGTERM, since a shell started without job control (``cmd &``)
    has its background processes ignore SIGINT; then kill."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        server.send_signal(sig)
        try:
            server.wait(timeout=60)
            return
        except subprocess.TimeoutExpired:
            continue


def wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            urllib.request.urlopen(base + "/", timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not start")


if __name__ == "__main__":
    raise SystemExit(main())
