"""The handout pipeline: papermill runs the handout notebook, nbconvert makes offline HTML, Chromium prints the PDF.

Everything runs in this one process (only the notebook's kernel and the browser
are separate), because starting Python again for each step costs a second or
more apiece.
"""

from __future__ import annotations

import os
import platform
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import formatting
from .catalog import LANGUAGES
from .exceptions import KitError
from .prerender import Helper
from .resources import notebooks_dir, templates_dir
from .session import Session, load_previous, load_session
from .texts import os_reason, say, t

FORMATS = ("html", "pdf")
BROWSER_ENV = "WHOLECOMM_BROWSER"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_MAC_BROWSERS = [
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
]
_BROWSER_COMMANDS = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "microsoft-edge",
    "msedge",
]


class ReportError(KitError):
    """The handout could not be made."""


class NoBrowserError(ReportError):
    """No Chromium-family browser to print the PDF with."""


@dataclass
class ReportResult:
    notebook: Path
    html: Path | None = None
    pdf: Path | None = None
    warnings: list[str] = field(default_factory=list)


Progress = Callable[[str], None]


def find_browser(explicit: str | Path | None = None, *, html: str | None = None) -> Path:
    """A Chromium-family browser: the one named, $WHOLECOMM_BROWSER, or one installed in a usual place.

    Without one, the advice says to print ``html`` by hand: a file name or a description such as "a form's
    HTML file", in the interface language (``handout.html`` unless given).
    """
    named = explicit or os.environ.get(BROWSER_ENV)
    if named:
        path = Path(named)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        found = shutil.which(str(named))
        if found:
            return Path(found)
        raise NoBrowserError(say("report.browser_missing", browser=named))
    for command in _BROWSER_COMMANDS:
        found = shutil.which(command)
        if found:
            return Path(found)
    if platform.system() == "Darwin":
        for candidate in _MAC_BROWSERS:
            if Path(candidate).exists():
                return Path(candidate)
    raise NoBrowserError(say("report.no_browser", env=BROWSER_ENV, html=html or "handout.html"))


def browser_to_print(named: str | Path | None, *, html: str) -> tuple[Path | None, NoBrowserError | None]:
    """The browser to print PDFs with, or why there is none (for a warning: the HTML is written all the same).

    A browser named on purpose (``named`` or $WHOLECOMM_BROWSER) that is not there is an error at once, before
    any work: the person asked for that one.
    """
    try:
        return find_browser(named, html=html), None
    except NoBrowserError as exc:
        if named or os.environ.get(BROWSER_ENV):
            raise
        return None, exc


def run_handout_notebook(
    session_dir: Path,
    output: Path,
    *,
    language: str,
    previous: Path | None,
    notebook: Path | None = None,
    chart_dir: Path | None = None,
) -> Any:
    """Execute the handout notebook with papermill and return the executed notebook node."""
    import papermill
    from nbformat import ValidationError
    from nbformat.reader import NotJSONError
    from papermill.exceptions import PapermillExecutionError

    from .kernels import papermill_options
    from .notebooks import literal_path

    parameters = {
        "session_dir": str(session_dir),
        "language": language,
        "previous_session_dir": str(previous) if previous else "",
    }
    if chart_dir is not None:
        parameters["chart_dir"] = str(chart_dir)
    try:
        return papermill.execute_notebook(
            literal_path(notebook or notebooks_dir() / "handout.ipynb"),
            literal_path(output),
            parameters=parameters,
            kernel_name="python3",
            language="python",  # an own notebook may lack the metadata that says so
            cwd=str(session_dir),
            progress_bar=False,
            log_output=False,
            # The executed notebook is saved before the kernel stops: nothing is lost by not waiting for it.
            shutdown_kernel="immediate",
            **papermill_options(),
        )
    except PapermillExecutionError as exc:
        detail = exc.evalue.rstrip().removesuffix(".")
        if exc.ename in _kit_errors():  # a message written for facilitators: no cell, no exception name
            raise ReportError(say("report.notebook_kit_error", detail=detail, notebook=output)) from exc
        raise ReportError(
            say("report.notebook_failed", cell=exc.exec_count, error=exc.ename, detail=detail, notebook=output)
        ) from exc
    except (NotJSONError, ValidationError) as exc:
        raise ReportError(say("report.not_a_notebook", notebook=notebook)) from exc
    except OSError as exc:
        raise ReportError(say("report.cannot_write", path=exc.filename or output, reason=os_reason(exc))) from exc


def _kit_errors() -> set[str]:
    """Names of the kit's own exceptions, which the kernel reports by name only."""
    found: set[str] = set()
    pending: list[type[KitError]] = [KitError]
    while pending:
        kind = pending.pop()
        found.add(kind.__name__)
        pending.extend(kind.__subclasses__())
    return found


def export_html(notebook: Any, target: Path, *, language: str, title: str) -> Path:
    """Write self-contained HTML: no code, images inline, nothing fetched from another host."""
    from nbconvert import HTMLExporter

    notebook.metadata["title"] = title
    exporter = HTMLExporter(  # type: ignore[no-untyped-call]
        template_name="handout",
        extra_template_basedirs=[str(templates_dir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_markdown=True,
        embed_images=True,
        language_code=language,
    )
    body, _ = exporter.from_notebook_node(notebook)
    try:
        target.write_text(body, encoding="utf-8")
    except OSError as exc:
        raise ReportError(say("report.cannot_write", path=target, reason=os_reason(exc))) from exc
    return target


class PdfPrinter:
    """Prints the handout with Chromium, started in a thread of its own while the notebook still runs.

    Starting Chromium costs about a second; overlapping it with the notebook's kernel hides most of
    it. The thread also keeps Playwright's sync API away from any running asyncio loop (Jupyter, tests).
    """

    def __init__(self, browser: Path, footer: str, start_after: threading.Event | None = None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._ready = threading.Event()
        self._job: tuple[Path, Path] | None = None
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._result = self._pool.submit(self._run, browser, footer, start_after)

    def print(self, html: Path, pdf: Path) -> Path:
        self._job = (html, pdf)
        self._ready.set()
        try:
            result = self._result.result()
        finally:
            self._pool.shutdown()
        assert result is not None
        return result

    def cancel(self) -> None:
        self._ready.set()
        self._pool.shutdown(wait=True)

    def _run(self, browser: Path, footer: str, start_after: threading.Event | None) -> Path | None:
        if start_after is not None:
            # While the chart helper keeps every core busy, starting the browser would only slow it down.
            while not start_after.wait(0.05):
                if self._ready.is_set():  # the HTML is ready already, or the report was cancelled
                    break
        if self._ready.is_set() and self._job is None:
            return None
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright

        footer_html = (
            '<div style="font-size:8pt;width:100%;text-align:center;color:#444;font-family:sans-serif">'
            f'{footer} · <span class="pageNumber"></span> / <span class="totalPages"></span></div>'
        )
        try:
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(executable_path=str(browser), args=CHROMIUM_FLAGS)
                try:
                    page = chromium.new_page()
                    page.route("**/*", _local_only)
                    self._ready.wait()
                    if self._job is None:
                        return None
                    html, pdf = self._job
                    page.goto(html.resolve().as_uri(), wait_until="load")
                    page.pdf(
                        path=str(pdf),
                        format="A4",
                        print_background=True,
                        display_header_footer=True,
                        header_template="<span></span>",
                        footer_template=footer_html,
                        margin={"top": "16mm", "bottom": "18mm", "left": "15mm", "right": "15mm"},
                        # Tagged for screen readers (public bodies must publish accessible PDFs), with
                        # bookmarks from the headings so that a council member can jump to a field.
                        tagged=True,
                        outline=True,
                    )
                    return pdf
                finally:
                    chromium.close()
        except PlaywrightError as exc:
            reason = exc.message.splitlines()[0]
            raise ReportError(say("report.print_failed", browser=browser, reason=reason)) from exc


def print_pdf(html: Path, pdf: Path, *, browser: Path, footer: str) -> Path:
    """Print an HTML file to an A4 PDF with page numbers, with the network switched off."""
    return PdfPrinter(browser, footer).print(html, pdf)


def _local_only(route: Any) -> None:
    if route.request.url.startswith(("file:", "data:")):
        route.continue_()
    else:
        route.abort()


def _repair_first(session: Session) -> list[str]:
    """Read the session's files here, so that a torn last row is moved aside (and said) before anyone else reads.

    Otherwise the notebook's kernel would be the first reader, and the warning would end up in the handout.
    """
    from .store import SessionStore, moved_rows

    moved: list[str] = []
    with moved_rows(moved):
        # A file that cannot be read is reported now, with its line and column, not as a failed notebook cell.
        store = SessionStore.open(session)
        store.responses()
        store.challenge_answers()
        store.actions()
    return moved


def make_report(
    session_dir: Path,
    *,
    language: str | None = None,
    formats: tuple[str, ...] = FORMATS,
    previous: Path | None = None,
    browser: str | Path | None = None,
    notebook: Path | None = None,
    progress: Progress = lambda _: None,
) -> ReportResult:
    """Run the whole handout pipeline for a session; the HTML is written even when no PDF can be made."""
    import html as html_lib

    session = load_session(session_dir)
    language = language or session.language
    if language not in LANGUAGES:
        raise ReportError(say("report.unknown_language", lang=repr(language), choices=", ".join(LANGUAGES)))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        named = ", ".join(unknown) or say("report.no_format")
        raise ReportError(say("report.unknown_format", formats=named, choices=", ".join(FORMATS)))
    # Absolute, because the notebook runs in the session folder and the helper in this one.
    # A broken or unfitting previous session is reported before any work starts.
    before = load_previous(session, previous)
    previous_dir = before.path.resolve() if before is not None else None
    if notebook is not None and Path(notebook).is_dir():
        raise ReportError(say("report.notebook_is_folder", notebook=notebook))
    if notebook is not None and not Path(notebook).is_file():
        raise ReportError(say("report.notebook_missing", notebook=notebook))
    if notebook is not None and Path(notebook).suffix.lower() != ".ipynb":
        raise ReportError(say("report.not_a_notebook", notebook=notebook))
    out = session.path / "report"
    found, no_browser = browser_to_print(browser, html=str(out / "handout.html")) if "pdf" in formats else (None, None)
    try:
        out.mkdir(exist_ok=True)
        (out / "handout.pdf").unlink(missing_ok=True)  # never leave a PDF that no longer matches the HTML
    except OSError as exc:
        raise ReportError(say("report.cannot_write", path=exc.filename or out, reason=os_reason(exc))) from exc
    steps = 3 if "pdf" in formats else 2  # the PDF is printed from the HTML, so that is always written
    result = ReportResult(notebook=out / "handout.ipynb")
    if no_browser is not None:
        result.warnings.append(str(no_browser))
    result.warnings.extend(_repair_first(session))
    if before is not None:  # a damaged earlier session is said here too, not as a failed notebook cell
        result.warnings.extend(_repair_first(before))
    # The kit's own handout: a helper process starts drawing its charts before the kernel is up.
    helper = Helper(out, session.path, language, previous_dir) if notebook is None else None
    printer: PdfPrinter | None = None
    if found is not None:
        footer = html_lib.escape(f"{session.municipality} · {formatting.date(session.date, language)}")
        printer = PdfPrinter(found, footer, helper.nearly_done if helper else None)
    try:
        progress(say("report.progress_notebook", steps=steps))
        executed = run_handout_notebook(
            session.path,
            out / "handout.ipynb",
            language=language,
            previous=Path(previous_dir) if previous_dir else None,
            notebook=Path(notebook).resolve() if notebook else None,
            chart_dir=helper.path if helper else None,
        )
        title = f"{t('handout.title', language)} – {session.municipality} – {formatting.date(session.date, language)}"
        html = out / "handout.html"
        progress(say("report.progress_html", steps=steps, path=html))
        result.html = export_html(executed, html, language=language, title=title)
    except BaseException:
        if printer is not None:
            printer.cancel()
        raise
    finally:
        if helper is not None:
            helper.close()
    if printer is not None:
        progress(say("report.progress_pdf", steps=steps, path=out / "handout.pdf"))
        result.pdf = printer.print(html, out / "handout.pdf")
    if no_browser is not None and "html" not in formats:
        raise no_browser  # only a PDF was asked for: not a warning but a failure (the HTML is there to print by hand)
    if "html" not in formats:
        result.html = None
    return result
