"""Helpers shared by several test modules: running a widget notebook for real, the kit's servers, a headless Chromium,
axe-core."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
import papermill
from playwright.sync_api import Browser, Page, Route, sync_playwright

from wholecomm_kit.report import CHROMIUM_FLAGS, find_browser
from wholecomm_kit.session import Session, create_session

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def read_notebook(path: Path) -> Any:
    return nbformat.read(str(path), as_version=4)  # type: ignore[no-untyped-call]


def check_template(template: Path, parameters: dict[str, str]) -> None:
    """A thin notebook: valid, one tagged parameters cell with these defaults, no saved outputs."""
    notebook = read_notebook(template)
    nbformat.validate(notebook)
    cells = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    for name, default in parameters.items():
        assert f"{name} = {default}" in cells[0].source
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


def run_widget_notebook(notebook: Path, tmp_path: Path, parameters: dict[str, str] | None = None) -> Any:
    """Execute a notebook with papermill in a real kernel; it must run without error and display a widget."""
    output = tmp_path / "executed.ipynb"
    executed = papermill.execute_notebook(
        str(notebook),
        str(output),
        parameters=parameters or {},
        kernel_name="python3",
        cwd=str(tmp_path),
        progress_bar=False,
    )
    assert executed.metadata.papermill.exception is not True
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(WIDGET_VIEW in o.get("data", {}) for o in outputs if o.output_type == "display_data")
    assert output.exists()
    return executed


@contextmanager
def chromium() -> Iterator[Browser]:
    """The system's Chromium, headless, through Playwright (fails with a clear message when there is none)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(find_browser()), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def new_session(
    directory: Path,
    municipality: str = "Testdorf",
    *,
    fields: str = "health",
    language: str = "en",
    date: str = "2025-06-12",
    size: str = "rural",
    country: str = "DE",
    previous: Path | None = None,
) -> Session:
    """A fresh session for a test; only what matters to the test needs saying."""
    return create_session(
        municipality=municipality,
        country=country,
        size=size,
        date=date,
        fields=fields,
        language=language,
        directory=directory,
        previous=previous,
    )


def offline_page(browser: Browser, html: Path) -> tuple[Page, list[str]]:
    """Open a file with every request to another host refused and recorded."""
    page = browser.new_page()
    outside: list[str] = []

    def guard(route: Route) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(html.as_uri(), wait_until="load")
    return page, outside


def axe_violations(page: Page) -> list[dict[str, object]]:
    """The serious and critical accessibility violations axe-core finds on the page."""
    assert AXE.exists(), "axe-core is missing: run 'npm ci' (make test does)"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers (a redirect to the login page is an answer)
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


class Running:
    """A server process of the kit's whose output is read as it comes.

    Voilà logs every page and kernel: left in the pipe, its output fills it after a dozen pages, and the
    server stops mid-test, waiting to write its log.
    """

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.decode(errors="replace"))

    def first_line(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while not self.lines and self.reader.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.lines[0] if self.lines else ""

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> str:
        """Ctrl-C, as a facilitator stops it; everything it wrote."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return self.output()
