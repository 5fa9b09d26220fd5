"""The participant app in a real Voilà server and JupyterLab, clicked in a real headless Chromium."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import zmq
from helpers import Running, axe_violations, chromium, free_port, new_session, wait_for_http
from playwright.sync_api import Browser, Page, Request, ViewportSize, expect

from wholecomm_kit.catalog import load_catalog
from wholecomm_kit.serve import plan_server, start_page
from wholecomm_kit.session import Session
from wholecomm_kit.store import SessionStore

TOKEN = "testtoken42"
pytestmark = [pytest.mark.slow, pytest.mark.browser]
ANSWERS = ["0", "1", "2", "3", "dont_know", "not_applicable"]


@contextmanager
def busy_port() -> Iterator[int]:
    """A port another program listens on, for as long as the block runs."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield int(taken.getsockname()[1])


def stop(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGINT)
    try:
        out, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out.decode(errors="replace")


@dataclass
class Server:
    session: Session
    base: str
    running: Running

    def stop(self) -> str:
        return self.running.stop()


def start_server(session: Session) -> Server:
    """`wholecomm-kit serve` on a free port, as a facilitator starts it, once it answers."""
    port = free_port()
    running = Running(
        subprocess.Popen(
            [sys.executable, "-m", "wholecomm_kit", "serve", str(session.path), "--port", str(port), "--token", TOKEN],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base + "/", running.process)
    except BaseException:
        running.stop()
        raise
    return Server(session, base, running)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    session = new_session(tmp_path_factory.mktemp("serve"), "Klickdorf", fields="governance,health", language="de")
    running = start_server(session)
    yield running
    output = running.stop()
    assert "Server stopped" in output, output[-2000:]
    assert "without encryption" not in output  # the participants' kernels talk to Voilà encrypted
    assert "is not trusted" not in output  # the kit signs the checklists it writes


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def open_checklist(browser: Browser, server: Server, field: str = "governance") -> Page:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.base}/?token={TOKEN}")
    page.goto(f"{server.base}/voila/render/{field}.ipynb", timeout=120_000)
    page.wait_for_selector(".wck-checklist", timeout=120_000)
    return page


def start(page: Page, respondent: str = "", group: str = "civil_society") -> str:
    if respondent:
        page.fill(".wck-respondent-id-input input", respondent)
        page.press(".wck-respondent-id-input input", "Tab")
    label = load_catalog().label("stakeholder_groups", group, "de")
    page.select_option(".wck-stakeholder-group select", label=label)  # widget options carry labels, not ids
    page.click("button.wck-continue")
    shown = page.locator(".wck-id-display .wck-respondent-id")
    expect(shown).to_be_visible(timeout=30_000)
    return shown.inner_text().strip()


def answer_button(page: Page, standard_id: str, answer: str) -> str:
    labels = load_catalog()
    if answer in ("0", "1", "2", "3"):
        text = f"{answer} · {labels.label('ratings', int(answer), 'de')}"
    else:
        text = {"dont_know": "Weiß nicht", "not_applicable": "Nicht zutreffend"}[answer]
    return f".wck-standard-{standard_id} .wck-answer button:text-is('{text}')"


def reveal(page: Page, standard_id: str) -> None:
    """Bring the standard into view (its section is always open: no accordion to open first)."""
    page.locator(f".wck-standard-{standard_id}").scroll_into_view_if_needed()


def click_answer(page: Page, standard_id: str, answer: str) -> None:
    reveal(page, standard_id)
    page.click(answer_button(page, standard_id, answer))


def fill_field(page: Page, plan: dict[str, str]) -> None:
    for standard_id, answer in plan.items():
        click_answer(page, standard_id, answer)
    expect(page.locator(".wck-standard .wck-status-saved")).to_have_count(len(plan), timeout=60_000)


def rows_of(session: Session, respondent: str) -> dict[str, tuple[str, str]]:
    return {
        r.standard_id: (r.response, "" if r.rating is None else str(r.rating))
        for r in SessionStore.open(session).current_responses()
        if r.respondent_id == respondent
    }


def expected(plan: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {s: ("rated", a) if a.isdigit() else (a, "") for s, a in plan.items()}


def test_a_participant_fills_a_whole_field_and_finds_it_again(browser: Browser, server: Server) -> None:
    standards = [s.id for s in load_catalog().field("governance").standards]
    plan = {s: ANSWERS[i % len(ANSWERS)] for i, s in enumerate(standards)}
    page = open_checklist(browser, server)
    respondent = start(page)
    assert respondent.startswith("R-")
    fill_field(page, plan)
    assert rows_of(server.session, respondent) == expected(plan)
    all_rows = [r for r in SessionStore.open(server.session).responses() if r.respondent_id == respondent]
    assert len(all_rows) == len(standards)  # exactly those answers, one row each
    page.context.close()

    again = open_checklist(browser, server)
    start(again, respondent.lower(), "civil_society")
    for standard_id, answer in plan.items():
        reveal(again, standard_id)
        expect(again.locator(answer_button(again, standard_id, answer))).to_have_class(
            re.compile("mod-active"), timeout=30_000
        )
    again.context.close()


def test_two_participants_at_the_same_time_both_land_complete(browser: Browser, server: Server) -> None:
    standards = [s.id for s in load_catalog().field("health").standards]
    first, second = open_checklist(browser, server, "health"), open_checklist(browser, server, "health")
    a, b = start(first, group="administration"), start(second, group="migrant_organisation")
    assert a != b
    for i, standard_id in enumerate(standards):  # interleaved clicks
        click_answer(first, standard_id, str(i % 4))
        click_answer(second, standard_id, str(3 - i % 4))
    for page in (first, second):
        expect(page.locator(".wck-standard .wck-status-saved")).to_have_count(len(standards), timeout=60_000)
    assert rows_of(server.session, a) == {s: ("rated", str(i % 4)) for i, s in enumerate(standards)}
    assert rows_of(server.session, b) == {s: ("rated", str(3 - i % 4)) for i, s in enumerate(standards)}
    first.context.close()
    second.context.close()


@pytest.mark.parametrize("token", [None, "wrongtoken"])
def test_a_wrong_or_missing_token_is_refused(browser: Browser, server: Server, token: str | None) -> None:
    context = browser.new_context()
    page = context.new_page()
    query = f"?token={token}" if token else ""
    response = page.goto(f"{server.base}/voila/render/governance.ipynb{query}")
    assert response is not None
    assert "/login" in page.url
    assert page.locator(".wck-checklist").count() == 0
    direct = page.request.get(f"{server.base}/voila/render/governance.ipynb{query}", max_redirects=0)
    assert direct.status == 302
    assert "/login" in direct.headers["location"]
    context.close()


def test_an_outdated_link_says_so_in_the_workshop_language_and_lets_the_right_code_in(
    browser: Browser, server: Server
) -> None:
    """A participant's reload after `serve` restarted with a new token lands here, not on Jupyter's English page."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.base}/voila/render/governance.ipynb?token=oldtoken99")
    assert "/login" in page.url
    assert page.locator("html").get_attribute("lang") == "de"
    expect(page.locator("h1 [lang=de]")).to_have_text("Zugangscode nötig")
    expect(page.locator("main > p [lang=de]")).to_contain_text("Scannen Sie den QR-Code noch einmal")
    expect(page.locator("main > p [lang=en]")).to_contain_text("scan the QR code again")
    assert "jupyter server list" not in page.content()
    assert "Klickdorf" not in page.content()  # nothing names the workshop to someone without the code
    assert axe_violations(page) == []
    code = page.get_by_label("Zugangscode")
    assert code.get_attribute("autocapitalize") == "none"  # a phone's keyboard must not capitalise the code
    code.fill("wrongcode1")
    page.click("button[type=submit]")
    expect(page.locator("#wck-wrong [lang=de]")).to_contain_text("Dieser Zugangscode stimmt nicht")
    assert page.get_by_label("Zugangscode").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []
    page.get_by_label("Zugangscode").fill(TOKEN)
    page.click("button[type=submit]")
    page.wait_for_selector(".wck-checklist", timeout=120_000)  # where the participant was before
    context.close()


def test_the_login_page_puts_the_workshops_language_first_and_renders_as_a_template() -> None:
    import jinja2

    from wholecomm_kit.serve import login_page

    template = jinja2.Environment(autoescape=True).from_string(login_page("en", "app.login_intro"))
    fresh = template.render(base_url="/", next="%2Fvoila%2Frender%2Fhealth.ipynb", xsrf_form_html=lambda: "")
    assert '<html lang="en">' in fresh
    assert fresh.index("Access code needed") < fresh.index("Zugangscode nötig")
    assert 'action="/login?next=%2Fvoila%2Frender%2Fhealth.ipynb"' in fresh
    assert "not right" not in fresh
    assert "aria-invalid" not in fresh
    wrong = template.render(base_url="/", next="%2F", xsrf_form_html=lambda: "", message={"error": "Invalid"})
    assert "This access code is not right" in wrong
    assert 'aria-invalid="true"' in wrong


def test_the_checklist_page_has_no_serious_accessibility_violations(browser: Browser, server: Server) -> None:
    page = open_checklist(browser, server)
    start(page)
    serious = axe_violations(page)
    assert serious == [], json.dumps(serious, indent=1)[:4000]
    page.context.close()


def test_the_checklist_page_speaks_the_workshop_language_and_needs_nothing_from_the_internet(
    browser: Browser, server: Server
) -> None:
    """Screen readers pronounce by <html lang>; an offline workshop Wi-Fi cannot reach a CDN."""
    context = browser.new_context()
    page = context.new_page()
    hosts: list[str] = []
    page.on("request", lambda request: hosts.append(request.url.split("/")[2] if "//" in request.url else ""))
    page.goto(f"{server.base}/?token={TOKEN}")
    page.goto(f"{server.base}/voila/render/governance.ipynb", timeout=120_000)
    page.wait_for_selector(".wck-checklist", timeout=120_000)
    assert page.evaluate("document.documentElement.lang") == "de"
    assert page.title() == "Politische Gestaltung (Governance) – Klickdorf"
    assert {h for h in hosts if h} == {server.base.split("/")[2]}
    assert "Executing" not in page.content()
    context.close()


def test_the_checklist_page_and_its_scripts_arrive_compressed(browser: Browser, server: Server) -> None:
    """Twenty phones joining at once share the workshop's Wi-Fi: each should fetch a quarter of the bytes."""
    context = browser.new_context()
    page = context.new_page()
    finished: list[Request] = []
    page.goto(f"{server.base}/?token={TOKEN}")
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(f"{server.base}/voila/render/governance.ipynb", timeout=120_000)
    page.wait_for_selector(".wck-checklist", timeout=120_000)
    page.wait_for_load_state("networkidle")
    sent = received = 0
    encodings: dict[str, str] = {}
    for request in finished:
        response = request.response()
        if response is None or response.status != 200:
            continue
        sizes = request.sizes()
        received += sizes["responseBodySize"]
        sent += len(response.body())
        encodings[request.url.split("?")[0]] = response.header_value("content-encoding") or ""
    context.close()
    scripts = {url: encoding for url, encoding in encodings.items() if url.endswith(".js")}
    assert scripts
    assert set(scripts.values()) == {"gzip"}, scripts
    assert encodings[f"{server.base}/voila/render/governance.ipynb"] == "gzip"
    assert received < sent / 2.5, (received, sent)


def test_the_join_url_opens_a_start_page_with_the_fields_in_both_languages(browser: Browser, server: Server) -> None:
    """Participants see their town and the fields by name (not file names), and one tap opens a checklist."""
    page = browser.new_context().new_page()
    page.goto(f"{server.base}/?token={TOKEN}")
    catalog = load_catalog()
    expect(page.locator("h1")).to_have_text("Whole-COMM-Workshop: Klickdorf")
    text = page.inner_text("main")
    for field in ("governance", "health"):
        assert catalog.field(field).title.get("de") in text
        assert catalog.field(field).title.get("en") in text
    assert ".ipynb" not in text
    assert "Voilà" not in text
    serious = axe_violations(page)
    assert serious == [], json.dumps(serious, indent=1)[:4000]
    page.get_by_role("link", name=re.compile(catalog.field("health").title.get("de"))).click()
    page.wait_for_selector(".wck-checklist", timeout=120_000)
    expect(page.locator(".wck-checklist")).to_contain_text(catalog.field("health").title.get("de"))
    page.context.close()


def test_a_checklist_that_loses_its_connection_says_so_at_once(browser: Browser, tmp_path: Path) -> None:
    """Laptop asleep, Wi-Fi gone, server stopped: the participant must learn that nothing is saved any more."""
    running = start_server(new_session(tmp_path, "Funkloch", fields="health", language="de"))
    try:
        page = open_checklist(browser, running, "health")
        start(page)
        notice = page.locator("#wck-connection")
        expect(notice).to_have_count(1)
        expect(notice).to_be_hidden()  # connected: no notice
        running.stop()
        expect(notice).to_be_visible(timeout=30_000)
        expect(notice).to_contain_text("wird nicht gespeichert")
        expect(notice).to_contain_text("is not saved")
        expect(notice.get_by_role("button")).to_be_visible()
        page.context.close()
    finally:
        running.stop()


def test_the_start_page_shows_user_text_as_text_and_keeps_the_token_in_its_links(tmp_path: Path) -> None:
    """The municipality is typed by a facilitator: neither HTML nor Voilà's Jinja may read anything into it."""
    import html as html_lib

    import jinja2

    session = new_session(tmp_path, "Klein{{ 7*7 }}<b onclick=x>dorf", fields="governance,health")
    page = jinja2.Template(start_page(session)).render(base_url="/base/", query="token=abc")
    assert "<b onclick" not in page
    assert "Klein{{ 7*7 }}<b onclick=x>dorf" in html_lib.unescape(page)
    assert 'href="/base/voila/render/governance.ipynb?token=abc"' in page
    assert 'href="/base/voila/render/health.ipynb?token=abc"' in page
    assert '<html lang="en">' in page  # the session's language first


def test_the_join_url_and_qr_code(tmp_path: Path) -> None:
    session = new_session(tmp_path, "Qrdorf")
    plan = plan_server(session.path, port=9123, token="abcdef12")
    assert plan.join_url == "http://127.0.0.1:9123/?token=abcdef12"
    assert plan.bind == "127.0.0.1"
    assert plan.qr_path.read_bytes().startswith(b"\x89PNG")
    assert "--token=abcdef12" in plan.voila_argv()
    assert (session.path / "checklists" / "health.ipynb").exists()
    opened = plan_server(session.path, network=True)
    assert opened.bind == "0.0.0.0"
    assert len(opened.token) >= 8


def test_jupyterlab_runs_a_prepared_checklist_and_the_click_lands_in_the_csv(browser: Browser, tmp_path: Path) -> None:
    session = new_session(tmp_path, "Labdorf", language="de")
    subprocess.run([sys.executable, "-m", "wholecomm_kit", "prepare", str(session.path)], check=True)
    port = free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config")}
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.token={TOKEN}",
            f"--ServerApp.root_dir={session.path / 'checklists'}",
            "--ServerApp.open_browser=False",
            "--ServerApp.allow_root=True",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", lab)
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/lab/tree/health.ipynb?token={TOKEN}", timeout=120_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        expect(page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle"))).to_be_visible(timeout=120_000)
        page.click(".lm-MenuBar-itemLabel:text-is('Run')", timeout=30_000)
        page.click(".lm-Menu-itemLabel:text-is('Run All Cells')", timeout=30_000)
        page.wait_for_selector(".wck-checklist", timeout=120_000)
        respondent = start(page, "R-LAB1", "service_provider")
        assert respondent == "R-LAB1"
        click_answer(page, "HEA-1-1", "2")
        expect(page.locator(".wck-standard-HEA-1-1 .wck-status-saved")).to_be_visible(timeout=30_000)
        assert rows_of(session, "R-LAB1") == {"HEA-1-1": ("rated", "2")}
        context.close()
    finally:
        stop(lab)


def test_a_busy_port_is_refused_before_the_qr_code_is_written(tmp_path: Path) -> None:
    from wholecomm_kit.serve import ServeError

    session = new_session(tmp_path, "Portdorf")
    with busy_port() as port, pytest.raises(ServeError, match=f"Port {port} is already in use"):
        plan_server(session.path, port=port)
    assert not (session.path / "join-qr.png").exists()


@pytest.mark.parametrize("host", ["999.1.1.1", "203.0.113.5"])
def test_an_address_this_computer_does_not_have_is_not_called_a_busy_port(tmp_path: Path, host: str) -> None:
    from wholecomm_kit.serve import ServeError

    session = new_session(tmp_path, "Adressdorf")
    with pytest.raises(ServeError, match=f"cannot listen on the address {re.escape(host)}"):
        plan_server(session.path, host=host, port=8899)


def test_serve_errors_are_german_when_the_interface_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wholecomm_kit.serve import ServeError

    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    session = new_session(tmp_path, "Deutschdorf")
    with pytest.raises(ServeError, match=re.escape("Der Port 99999 liegt nicht zwischen 1 und 65535.")):
        plan_server(session.path, port=99999)
    with pytest.raises(ServeError, match="Der Zugangscode muss mindestens 6 Buchstaben oder Ziffern haben"):
        plan_server(session.path, token="ab c")
    with (
        busy_port() as port,
        pytest.raises(ServeError, match=f"Port {port} ist schon belegt .* z. B. --port {port + 1}."),
    ):
        plan_server(session.path, port=port)


@pytest.mark.parametrize(("busy", "suggested"), [(8866, 8869), (8867, 8869), (8868, 8869), (8000, 8001), (65535, 1024)])
def test_a_busy_port_suggests_one_that_none_of_the_kits_servers_takes(busy: int, suggested: int) -> None:
    """serve on 8866, the live results on 8867 and the action plan on 8868 run side by side: never suggest those."""
    from wholecomm_kit.serve import _port_to_suggest

    assert _port_to_suggest(busy) == suggested


def test_the_network_join_url_names_an_address_other_devices_can_reach(tmp_path: Path) -> None:
    from wholecomm_kit.serve import lan_address

    session = new_session(tmp_path, "Netzdorf")
    plan = plan_server(session.path, network=True, port=free_port())
    assert plan.join_url.startswith(f"http://{lan_address()}:")
    listed = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=False)  # Linux
    addresses = listed.stdout.split() if listed.returncode == 0 else []
    if any(not a.startswith("127.") and ":" not in a for a in addresses):
        assert lan_address() in addresses  # an address of this machine's own interfaces, not loopback


def test_serve_keeps_checklists_prepared_in_facilitator_mode(tmp_path: Path) -> None:
    from wholecomm_kit.notebooks import prepare_checklists

    session = new_session(tmp_path, "Modusdorf")
    [path] = prepare_checklists(session, mode="facilitator")
    before = path.read_bytes()
    plan_server(session.path, port=free_port())
    assert path.read_bytes() == before


def test_voilas_loading_messages_are_in_the_workshop_language_and_its_cdn_links_are_gone() -> None:
    from wholecomm_kit.serve import OFFLINE_LAB, _localised_voila_files

    files = _localised_voila_files("de")
    assert "Die Checkliste wird geladen" in files["spinner.macro.html.j2"]
    assert "`Wird vorbereitet: Schritt ${cell_index} von ${cell_count}`" in files["voila_setup.macro.html.j2"]
    assert "Executing ${cell_index}" not in files["voila_setup.macro.html.j2"]
    assert "cdn.jsdelivr.net" not in files[OFFLINE_LAB]
    assert "{%- block notebook_css -%}" in files[OFFLINE_LAB]  # the rest of Voilà's page is kept


# --- on a phone, by keyboard ------------------------------------------------------------------

PHONE: ViewportSize = {"width": 390, "height": 844}


def open_on_phone(browser: Browser, server: Server, field: str = "governance") -> Page:
    page = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    page.goto(f"{server.base}/?token={TOKEN}")
    page.goto(f"{server.base}/voila/render/{field}.ipynb", timeout=120_000)
    page.wait_for_selector(".wck-checklist", timeout=120_000)
    return page


BOX = """e => { const r = e.getBoundingClientRect(); const c = getComputedStyle(e);
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height,
          font: parseFloat(c.fontSize), line: parseFloat(c.lineHeight) || 1.5 * parseFloat(c.fontSize),
          outline: parseFloat(c.outlineWidth), outlineStyle: c.outlineStyle, outlineColour: c.outlineColor,
          colour: c.color, background: c.backgroundColor}; }"""


def luminance(rgb: str) -> float:
    channels = [int(x) / 255 for x in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_on_a_phone_targets_type_and_status_are_usable(browser: Browser, server: Server) -> None:
    page = open_on_phone(browser, server)
    for selector in (".wck-respondent-id-input input", ".wck-stakeholder-group select", "button.wck-continue"):
        box = page.locator(selector).evaluate(BOX)
        assert box["height"] >= 44, (selector, box)
        assert box["font"] >= 16, (selector, box)  # iOS zooms into smaller inputs
    group = page.locator(".wck-stakeholder-group select")
    label = load_catalog().label("stakeholder_groups", "migrant_organisation", "de")
    group.select_option(label=label)
    text_width = group.evaluate(
        "e => { const c = document.createElement('canvas').getContext('2d'); c.font = getComputedStyle(e).font;"
        " return c.measureText(e.options[e.selectedIndex].text).width; }"
    )
    assert text_width + 16 <= group.evaluate("e => e.clientWidth"), "the group's name is not cut off"
    id_box = page.locator(".wck-respondent-id-input input")
    assert id_box.evaluate(BOX)["bottom"] <= PHONE["height"], "the id box is on the first screen, before any scrolling"
    hint_width = id_box.evaluate(
        "e => { const c = document.createElement('canvas').getContext('2d'); c.font = getComputedStyle(e).font;"
        " return c.measureText(e.placeholder).width; }"
    )
    assert hint_width + 16 <= id_box.evaluate("e => e.clientWidth"), "the id box's hint is not cut off"
    example = page.locator(".wck-id-example").evaluate(BOX)
    assert example["height"] < 1.6 * example["line"], "the example id does not break at its dash"

    page.fill(".wck-respondent-id-input input", "r-phxn")
    page.press(".wck-respondent-id-input input", "Enter")  # Enter continues like the button
    expect(page.locator(".wck-id-display .wck-respondent-id")).to_have_text("R-PHXN", timeout=30_000)
    expect(page.locator(".wck-status-bar")).to_contain_text("R-PHXN")

    buttons = page.locator(".wck-standard-GOV-1-1 .wck-answer button")
    boxes = [buttons.nth(i).evaluate(BOX) for i in range(buttons.count())]
    assert all(b["height"] >= 44 and b["width"] >= 44 and b["font"] >= 16 for b in boxes), boxes
    for a, b in itertools.pairwise(boxes):
        same_line = abs(a["top"] - b["top"]) < 1
        gap = b["left"] - a["right"] if same_line else b["top"] - a["bottom"]
        assert gap >= 8, (a, b)
    click_answer(page, "GOV-1-1", "2")
    saved = page.locator(".wck-standard-GOV-1-1 .wck-status-saved")
    expect(saved).to_be_visible(timeout=30_000)
    mark = saved.evaluate(BOX)
    assert mark["height"] < 1.6 * mark["line"], "“✓ Gespeichert” stays on one line"
    selected = page.locator(".wck-standard-GOV-1-1 .wck-answer button.mod-active").evaluate(BOX)
    unselected = boxes[0]
    assert contrast(selected["colour"], selected["background"]) >= 4.5, selected
    assert contrast(selected["background"], unselected["background"]) >= 3, (selected, unselected)

    comment = page.locator(".wck-standard-GOV-1-1 .wck-comment textarea")
    standard = page.locator(".wck-standard-GOV-1-1").evaluate(BOX)
    assert comment.evaluate(BOX)["width"] >= 0.85 * standard["width"]
    assert comment.evaluate("e => e.rows") >= 3
    assert comment.evaluate(BOX)["font"] >= 16

    last = load_catalog().field("governance").standards[-1].id
    reveal(page, last)
    bar = page.locator(".wck-status-bar").evaluate(BOX)
    assert -1 <= bar["top"] <= 40, "the save status stays at the top while scrolling"
    expect(page.locator(".wck-status-bar .wck-save-status")).to_contain_text("Alle Änderungen sind gespeichert")
    page.context.close()


def test_every_section_is_reachable_and_answerable_by_keyboard(browser: Browser, server: Server) -> None:
    page = open_checklist(browser, server)
    respondent = start(page)
    assert page.locator(".jupyter-widget-Collapse").count() == 0
    groups = load_catalog().field("governance").groups
    assert page.locator("h3.wck-section-heading").count() == len(groups) + 1  # and the key challenges
    target = groups[-1].standards[0].id
    page.locator(".wck-standard-GOV-1-1 .wck-answer button").first.focus()
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.closest('.wck-standard-{target} .wck-answer') !== null"):
            break
    else:
        raise AssertionError(f"Tab never reached {target}")
    focused = page.evaluate(f"({BOX})(document.activeElement)")
    assert focused["outline"] >= 2, focused
    assert focused["outlineStyle"] != "none", focused
    assert contrast(focused["outlineColour"], "rgb(255, 255, 255)") >= 4.5, focused  # dark, not light blue
    page.keyboard.press("Space")
    expect(page.locator(f".wck-standard-{target} .wck-status-saved")).to_be_visible(timeout=30_000)
    expect(page.locator(f".wck-standard-{target} .wck-answer button.mod-active")).to_have_count(1)
    assert rows_of(server.session, respondent) == {target: ("rated", "0")}
    page.context.close()


def test_a_comment_is_saved_after_a_pause_in_typing_and_marked_unsaved_before(browser: Browser, server: Server) -> None:
    page = open_checklist(browser, server)
    respondent = start(page)
    click_answer(page, "GOV-2-1", "1")
    expect(page.locator(".wck-standard-GOV-2-1 .wck-status-saved")).to_be_visible(timeout=30_000)
    box = page.locator(".wck-standard-GOV-2-1 .wck-comment textarea")
    box.click()
    box.press_sequentially("Kein Budget", delay=60)
    status = page.locator(".wck-standard-GOV-2-1 .wck-status")
    expect(status).to_contain_text("Noch nicht gespeichert", timeout=5_000)
    expect(page.locator(".wck-save-status")).not_to_contain_text("Alle Änderungen sind gespeichert")
    # no blur: the box keeps the focus, and the comment is saved all the same
    expect(page.locator(".wck-standard-GOV-2-1 .wck-status-saved")).to_be_visible(timeout=15_000)
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"
    mine = [r for r in SessionStore.open(server.session).responses() if r.respondent_id == respondent]
    assert [r.comment for r in mine] == ["", "Kein Budget"], "one row for the pause, not one per keystroke"
    page.context.close()


def test_a_priority_without_an_answer_is_not_called_saved(browser: Browser, server: Server) -> None:
    page = open_checklist(browser, server)
    start(page)
    click_answer(page, "GOV-1-1", "3")
    expect(page.locator(".wck-save-status")).to_contain_text("Alle Änderungen sind gespeichert", timeout=30_000)
    reveal(page, "GOV-1-2")
    page.click(".wck-standard-GOV-1-2 .wck-priority button:text-is('Hoch')")
    expect(page.locator(".wck-save-status")).to_contain_text("1 Änderung wartet noch auf eine Antwort", timeout=30_000)
    expect(page.locator(".wck-save-status")).not_to_contain_text("Alle Änderungen sind gespeichert")
    page.context.close()


# --- the log says [Voila], as the guide quotes it ----------------------------------------------


def test_serve_logs_under_voilas_own_name(tmp_path: Path) -> None:
    """The guide quotes `[Voila] …` lines and lists `[Voila] Kernel started:` as safe to ignore."""
    running = start_server(new_session(tmp_path, "Logdorf"))
    output = running.stop()
    assert "[Voila] Voilà is running at:" in output, output[-2000:]
    assert "[Voila] Stopping..." in output
    assert "CompressingVoila" not in output


# --- show: the live results and the action plan, without code, on this computer -----------------

RECORDING_BROWSER = '#!/bin/sh\nprintf "%s\\n" "$1" >> "$(dirname "$0")/opened.txt"\n'


@dataclass
class Shown:
    session: Session
    base: str
    url: str
    running: Running
    opened: Path

    @property
    def lines(self) -> list[str]:
        return self.running.lines

    def output(self) -> str:
        return self.running.output()

    def stop(self) -> str:
        return self.running.stop()


def start_show(session: Session, what: str, tmp_path: Path, *, browser: bool = False) -> Shown:
    """`wholecomm-kit show` on a free port, as a facilitator starts it, once it answers.

    Its "browser" is a script that notes the address it is asked to open, so no real browser window opens.
    """
    folder = tmp_path / f"browser-{what}"
    folder.mkdir()
    script = folder / "browser.sh"
    script.write_text(RECORDING_BROWSER, encoding="utf-8")
    script.chmod(0o755)
    port = free_port()
    command = [sys.executable, "-m", "wholecomm_kit", "show", str(session.path), what, "--port", str(port)]
    running = Running(
        subprocess.Popen(
            [*command, *([] if browser else ["--no-browser"])],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "BROWSER": str(script)},
        )
    )
    first = running.first_line()
    base = f"http://127.0.0.1:{port}"
    found = re.search(r"http://127\.0\.0\.1:\d+/\?token=[a-z0-9]+", first)
    shown = Shown(session, base, found.group(0) if found else "", running, folder / "opened.txt")
    try:
        assert found, first
        wait_for_http(base + "/login", running.process)
    except BaseException:
        running.stop()
        raise
    return shown


def add_answers(session: Session) -> None:
    store = SessionStore.open(session)
    for respondent, rating in (("R-AAAA", 1), ("R-BBBB", 3)):
        store.record_response(
            respondent_id=respondent,
            stakeholder_group="administration",
            standard_id="HEA-1-1",
            response="rated",
            rating=rating,
        )


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shown]:
    folder = tmp_path_factory.mktemp("show")
    session = new_session(folder, "Schaudorf", fields="health", language="de")
    add_answers(session)
    running = start_show(session, "live", folder)
    yield running
    output = running.stop()
    assert "Stopped." in output, output[-2000:]
    assert "Traceback" not in output


def test_show_serves_the_live_results_without_code_and_offline(browser: Browser, shown: Shown) -> None:
    assert shown.url.startswith(f"{shown.base}/?token=")
    context = browser.new_context()
    page = context.new_page()
    hosts: list[str] = []
    page.on("request", lambda request: hosts.append(request.url.split("/")[2] if "//" in request.url else ""))
    page.goto(shown.url, timeout=120_000)
    expect(page.locator(".wck-live-header h2")).to_have_text("Live-Ergebnisse: Schaudorf", timeout=120_000)
    expect(page.locator(".wck-live-details")).to_contain_text("2 Personen haben geantwortet", timeout=60_000)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == "de"
    assert page.title() == "Live-Ergebnisse: Schaudorf"
    assert {h for h in hosts if h} == {shown.base.split("/")[2]}  # nothing from a CDN or anywhere else
    assert page.locator(".jp-InputArea").count() == 0  # no code shown
    assert "LiveResults" not in page.content()
    assert "Executing" not in page.content()
    assert not shown.opened.exists()  # --no-browser: no browser was asked to open anything
    context.close()


@pytest.mark.parametrize("token", [None, "wrongtoken"])
def test_show_refuses_a_missing_or_wrong_token(browser: Browser, shown: Shown, token: str | None) -> None:
    context = browser.new_context()
    page = context.new_page()
    query = f"?token={token}" if token else ""
    page.goto(f"{shown.base}/{query}")
    assert "/login" in page.url
    assert page.locator(".wck-live").count() == 0
    direct = page.request.get(f"{shown.base}/{query}", max_redirects=0)
    assert direct.status == 302
    assert "/login" in direct.headers["location"]
    context.close()


def test_shows_page_for_an_outdated_address_tells_the_facilitator_to_use_the_new_one(
    browser: Browser, shown: Shown
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{shown.base}/?token=oldtoken99")
    assert "/login" in page.url
    expect(page.locator("main > p [lang=de]")).to_contain_text("macht bei jedem Start einen neuen Zugangscode")
    assert "QR" not in page.content()  # that advice is the participants'
    page.get_by_label("Zugangscode").fill(shown.url.split("token=")[1])
    page.click("button[type=submit]")
    page.wait_for_selector(".wck-live", timeout=120_000)
    context.close()


def test_show_listens_on_this_computer_only(shown: Shown) -> None:
    from wholecomm_kit.serve import lan_address

    port = int(shown.base.rsplit(":", 1)[1])
    address = lan_address()
    if address.startswith("127."):
        pytest.skip("this computer has no address in a network")
    with socket.socket() as probe:
        probe.settimeout(5)
        with pytest.raises(ConnectionRefusedError):
            probe.connect((address, port))


@pytest.mark.skipif(not zmq.has("curve"), reason="this pyzmq was built without CurveZMQ")
def test_show_runs_its_kernel_over_an_encrypted_connection(browser: Browser, shown: Shown) -> None:
    """Like serve's: keys in the kernel's private connection file, and no warning about plain sockets."""
    page = browser.new_context().new_page()
    page.goto(shown.url, timeout=120_000)
    expect(page.locator(".wck-live-header h2")).to_be_visible(timeout=120_000)
    stored = re.search(r"Storing connection files in (\S+)\.\n", shown.output())
    assert stored, shown.output()
    connections = list(Path(stored.group(1)).glob("kernel-*.json"))  # one per page opened so far
    assert connections
    for connection in connections:
        info = json.loads(connection.read_text(encoding="utf-8"))
        assert info["curve_publickey"]
        assert info["curve_secretkey"]
    assert "without encryption" not in shown.output()
    page.context.close()


def test_show_logs_under_voilas_own_name(shown: Shown) -> None:
    assert "[Voila] Voilà is running at:" in shown.output()
    assert "CompressingVoila" not in shown.output()


def test_show_opens_the_action_plan_in_the_browser_with_the_token(browser: Browser, tmp_path: Path) -> None:
    """Without --no-browser the facilitator's browser opens the page itself; missing notebooks are written first.

    Once ``show`` is stopped, the page says so at once, as a participant's checklist does.
    """
    session = new_session(tmp_path, "Planstadt", fields="health", language="de")
    assert not (session.path / "facilitator").exists()
    running = start_show(session, "action-plan", tmp_path, browser=True)
    try:
        assert running.lines[0].startswith("Action plan: ")
        deadline = time.monotonic() + 30
        while not running.opened.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert running.opened.read_text(encoding="utf-8").split() == [running.url]
        assert (session.path / "facilitator" / "action_plan.ipynb").exists()
        page = browser.new_context().new_page()
        page.goto(running.url, timeout=120_000)
        expect(page.locator(".wck-plan-form-heading")).to_be_visible(timeout=120_000)
        expect(page.locator("h2").first).to_have_text("Maßnahmenplan: Planstadt")
        assert page.title() == "Maßnahmenplan: Planstadt"
        assert page.locator(".jp-InputArea").count() == 0
        assert "ActionPlanEditor" not in page.content()
        notice = page.locator("#wck-connection")
        expect(notice).to_be_hidden()
        output = running.stop()  # show stopped while the plan is open: what is typed now would be lost unsaid
        expect(notice).to_be_visible(timeout=30_000)
        expect(notice).to_contain_text("wird nicht gespeichert")
        expect(notice).to_contain_text("Start 'wholecomm-kit show' again")
        expect(notice.get_by_role("button")).to_have_count(0)  # a reload would meet the old token: no button
        page.context.close()
    finally:
        output = running.stop()
    assert "Stopped." in output, output[-2000:]
    assert "without encryption" not in output


def test_show_refuses_a_busy_port_and_a_broken_session(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from wholecomm_kit.cli import cli

    session = new_session(tmp_path, "Belegtdorf")
    with busy_port() as port:
        result = CliRunner().invoke(cli, ["show", str(session.path), "live", "--port", str(port), "--no-browser"])
    assert result.exit_code == 1
    assert f"Error: Port {port} is already in use" in result.stderr
    assert not (session.path / "facilitator").exists()  # nothing written
    result = CliRunner().invoke(cli, ["show", str(tmp_path / "nope"), "live"])
    assert result.exit_code == 1
    assert f"Error: {tmp_path / 'nope'}: no such session folder." in result.stderr
    result = CliRunner().invoke(cli, ["show", str(session.path), "live", "--port", "99999"])
    assert result.exit_code == 1
    assert "The port 99999 is not between 1 and 65535." in result.stderr
    result = CliRunner().invoke(cli, ["show", str(session.path), "plan"])
    assert result.exit_code == 2


def test_show_rewrites_notebooks_set_to_where_the_session_was_before(tmp_path: Path) -> None:
    """A session folder moved (to a USB stick, another computer) must not show the old place's answers."""
    import shutil

    from wholecomm_kit.notebooks import prepare_facilitator_notebooks
    from wholecomm_kit.serve import plan_show, prepared_for
    from wholecomm_kit.session import load_session

    session = new_session(tmp_path / "before", "Umzugsdorf")
    [live, plan] = prepare_facilitator_notebooks(session)
    assert prepared_for(live) == str(session.path.resolve())
    before = plan.read_bytes()
    plan_show(session.path, "action-plan", port=free_port())
    assert plan.read_bytes() == before  # set to this session already: left as it is
    moved = Path(shutil.move(session.path, tmp_path / "after"))
    shown = plan_show(moved, "live", port=free_port())
    assert shown.notebook == moved / "facilitator" / "live_results.ipynb"
    assert prepared_for(shown.notebook) == str(load_session(moved).path.resolve())
    assert len(shown.token) >= 16
    assert shown.url == f"http://127.0.0.1:{shown.port}/?token={shown.token}"


def test_the_show_pages_title_is_text_for_both_html_and_jinja() -> None:
    import jinja2

    from wholecomm_kit.serve import OFFLINE_LAB, show_page

    title = 'Live: Klein{{ 7*7 }}</script><b onclick=x>"dorf" {% raw %}'
    parent = "<head>{% block html_head_js %}{% endblock html_head_js %}</head>"
    environment = jinja2.Environment(loader=jinja2.DictLoader({OFFLINE_LAB: parent, "page": show_page(title, "de")}))
    page = environment.get_template("page").render()
    script = re.search(r"<head>\s*<script>document\.title = (.*?);</script>", page.strip())
    assert script, page
    assert "</script><b" not in script.group(1)
    assert json.loads(script.group(1)) == title


def test_prepare_says_how_to_show_the_facilitator_notebooks(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from wholecomm_kit.cli import cli

    session = new_session(tmp_path / "Mit Leerzeichen", "Hinweisdorf")
    result = CliRunner().invoke(cli, ["prepare", str(session.path)])
    assert result.exit_code == 0, result.output
    quoted = f"'{session.path}'"
    assert f"wholecomm-kit show {quoted} live" in result.stderr
    assert f"wholecomm-kit show {quoted} action-plan" in result.stderr
    assert "voila " not in result.stderr
