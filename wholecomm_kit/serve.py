"""The participant app: Voilà serves a session's checklists, one kernel per participant, no code shown.

It listens on 127.0.0.1 unless asked to open to the workshop network, and
always requires an access token, so only people in the room can submit. The
join URL carries the token and is also written as a QR code for the projector.
Answers are saved on every change, so stopping the server (Ctrl-C) loses nothing.

``show`` serves one of the facilitator's notebooks (live results, action plan) the same way: through
Voilà, without code, offline, on this computer only, with a token and encrypted kernels.
"""

from __future__ import annotations

import errno
import functools
import html
import json
import os
import secrets
import socket
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalog import LANGUAGES, Catalog, load_catalog
from .exceptions import KitError
from .session import Session, load_session
from .texts import say, t

DEFAULT_PORT = 8866
TOKEN_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to type from the projector
CULL_IDLE_SECONDS = 30 * 60
CULL_INTERVAL_SECONDS = 60
IOPUB_TIMEOUT_SECONDS = 120


class ServeError(KitError):
    """The participant app cannot start."""


def new_token(length: int = 10) -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(length))


def lan_address() -> str:
    """This machine's address in the workshop network.

    Connecting a UDP socket sends nothing; it only asks the system which of its addresses it would use
    for that route. The hostname is no help: Debian and Ubuntu map it to 127.0.1.1 in /etc/hosts.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere, no packet is sent
            address = str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"
    return address


def _port_to_suggest(busy: int) -> int:
    """The next port after ``busy`` that none of the kit's own servers takes by default (serve and both shows)."""
    own = {DEFAULT_PORT, *SHOW_PORTS.values()}
    return next(p for p in range(busy + 1, 65536) if p not in own) if busy < 65535 else 1024


def check_port_free(bind: str, port: int) -> None:
    """Fail before anything is printed or written when the port is impossible or another program already uses it."""
    if not 1 <= port <= 65535:
        raise ServeError(say("serve.port_out_of_range", port=port))
    with socket.socket() as sock:
        # As the server itself does: connections of a server stopped a moment ago (TIME_WAIT) do not block the port.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((bind, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise ServeError(say("serve.port_in_use", port=port, other=_port_to_suggest(port))) from None
            # Not this machine's address, or no address at all ("999.1.1.1", a typo in --host).
            raise ServeError(say("serve.cannot_listen", host=bind)) from None


@dataclass(frozen=True)
class ServePlan:
    """Everything needed to start the server and tell people how to join."""

    session: Session
    root: Path
    bind: str
    port: int
    token: str
    join_url: str
    qr_path: Path

    def voila_argv(self) -> list[str]:
        return [
            str(self.root),
            *voila_arguments(self.session, bind=self.bind, port=self.port, token=self.token, template=TEMPLATE),
            "--VoilaConfiguration.classic_tree=True",  # the start page is a server-side template: no script needed
            "--no-browser",
            f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
            f"--MappingKernelManager.cull_interval={CULL_INTERVAL_SECONDS}",
            "--MappingKernelManager.cull_connected=False",
        ]


def voila_arguments(session: Session, *, bind: str, port: int, token: str, template: str) -> list[str]:
    """What every Voilà the kit starts is told: its address, token and template, no code, encrypted kernels."""
    from .kernels import voila_options

    return [
        f"--template={template}",
        f"--Voila.ip={bind}",
        f"--port={port}",
        "--Voila.port_retries=0",  # never another port than the one printed
        f"--token={token}",
        "--strip_sources=True",
        f"--VoilaExporter.language_code={session.language}",  # <html lang>: read aloud in the right language
        "--show_tracebacks=False",
        # when many participants join at once the kernels start slowly; Voilà's default of a few seconds
        # for a cell's output then drops the page and leaves it blank
        f"--NotebookClient.iopub_timeout={IOPUB_TIMEOUT_SECONDS}",
        *voila_options(),
    ]


def plan_server(
    session_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    token: str | None = None,
    network: bool = False,
) -> ServePlan:
    """Prepare the checklists and work out the address, token, join URL and QR code."""
    from .notebooks import prepare_checklists

    session = load_session(session_dir)
    if token is not None and (len(token) < 6 or not token.isalnum()):
        raise ServeError(say("serve.bad_token"))
    bind = "0.0.0.0" if network else host
    check_port_free(bind, port)
    if not all((session.path / "checklists" / f"{field}.ipynb").exists() for field in session.fields):
        prepare_checklists(session)  # prepared ones stay as they are (e.g. prepare --mode facilitator)
    shown = lan_address() if network else host
    chosen = token or new_token()
    join_url = f"http://{shown}:{port}/?token={chosen}"
    qr_path = session.path / "join-qr.png"
    write_qr(join_url, qr_path)
    return ServePlan(session, session.path / "checklists", bind, port, chosen, join_url, qr_path)


def write_qr(url: str, path: Path) -> Path:
    """A QR code of the join URL, large enough to scan from the back of the room."""
    import segno

    segno.make(url, error="m").save(str(path), scale=12, border=4)
    return path


def run_server(plan: ServePlan) -> None:
    """Run Voilà in this process until Ctrl-C."""
    launch_voila(plan.voila_argv(), lambda folder: write_templates(plan.session, folder))


def launch_voila(argv: list[str], write: Callable[[Path], object]) -> None:
    """Run the kit's Voilà until Ctrl-C, with the templates ``write`` puts into a scratch folder.

    Voilà finds templates on the Jupyter data path; the kit's pages are written for the session.
    """
    with tempfile.TemporaryDirectory(prefix="wholecomm-voila-") as scratch:
        write(Path(scratch))
        before = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (scratch, before) if p)
        try:
            voila_app().launch_instance(argv=argv)
        finally:
            if before is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = before


@functools.cache
def voila_app() -> type[Any]:
    """Voilà as the kit runs it (``serve`` and ``show``): pages compressed, the browser opened with the token."""
    import webbrowser

    from voila.app import Voila as VoilaApp

    class Voila(VoilaApp):  # type: ignore[misc]
        """Voilà sending its pages and scripts gzip-compressed.

        A checklist page loads about 4.8 MB of scripts and styles, a quarter of that compressed: 20 phones
        joining at once then fetch about 25 MB over the workshop's Wi-Fi instead of about 100 MB.
        Tornado sets compression up when the application is made, so the setting must be there
        already; Voilà's ``tornado_settings`` are applied only afterwards.

        The class keeps Voilà's name: traitlets names the log after the class, and facilitators read
        ``[Voila] …`` lines (the guide quotes them).
        """

        def init_settings(self) -> dict[str, object]:
            settings: dict[str, object] = super().init_settings()
            settings["compress_response"] = True
            _use_kit_login_page(settings, self.template_paths)
            return settings

        def launch_browser(self) -> None:
            """Open the page itself, with the token: Voilà's own would open its login page."""
            try:
                browser = webbrowser.get(self.browser or None)
            except webbrowser.Error as exc:
                self.log.warning(say("serve.no_browser", reason=exc))
                return
            url = f"{self.connection_url}?token={self.identity_provider.token}"
            threading.Thread(target=browser.open, args=(url,), daemon=True).start()

    return Voila


def _use_kit_login_page(settings: dict[str, object], template_paths: list[str]) -> None:
    """Serve the kit's page (:func:`login_page`, written into the template) for a missing or outdated token.

    Jupyter Server renders its login page from its own templates only, not from Voilà's template folders.
    """
    import jinja2

    env = settings.get("jinja2_env")
    if not isinstance(env, jinja2.Environment) or env.loader is None:
        return
    for folder in template_paths:
        page = Path(folder) / LOGIN_PAGE
        if page.is_file():
            own = jinja2.DictLoader({"login.html": page.read_text(encoding="utf-8")})
            env.loader = jinja2.ChoiceLoader([own, env.loader])
            return


TEMPLATE = "wholecomm"
LOGIN_PAGE = "wholecomm-login.html"
"""The kit's page for an address without a valid access token, written into the kit's Voilà templates."""


def _literal(text: str) -> str:
    """Text for the page: HTML-escaped, with braces as entities so Voilà's Jinja sees no template code in it."""
    return html.escape(text).replace("{", "&#123;").replace("}", "&#125;")


def start_page(session: Session, catalog: Catalog | None = None) -> str:
    """The page the join URL opens: the session's fields by name, in its language and the other one.

    A Jinja template for Voilà, which fills in ``base_url`` and ``query`` (the access token).
    """
    catalog = catalog or load_catalog()
    first = session.language
    languages = [first, *(lang for lang in LANGUAGES if lang != first)]
    heading = "".join(
        f'<h1 lang="{lang}">{_literal(t("app.title", lang, municipality=session.municipality))}</h1>'
        if lang == first
        else f'<p class="other" lang="{lang}">{_literal(t("app.title", lang, municipality=session.municipality))}</p>'
        for lang in languages
    )
    hints = "".join(
        f'<p lang="{lang}"{"" if lang == first else " class=other"}>'
        f"{_literal(t('app.choose', lang))} {_literal(t('app.wait', lang))}</p>"
        for lang in languages
    )
    items = []
    for field_id in session.fields:
        field = catalog.field(field_id)
        names = "".join(
            f'<span lang="{lang}" class="{"name" if lang == first else "other"}">'
            f"{_literal(field.title.get(lang))}</span>"
            for lang in languages
        )
        items.append(f'<li><a href="{{{{ base_url }}}}voila/render/{field_id}.ipynb?{{{{ query }}}}">{names}</a></li>')
    label = " / ".join(_literal(t("app.fields", lang)) for lang in languages)
    css = """h1 { font-size: 1.6rem; color: #00507a; margin: .4rem 0 .2rem; }
.other { display: block; color: #4a4a4a; }
ul { list-style: none; padding: 0; }
li a { display: block; border: 2px solid #00507a; border-radius: .5rem; padding: .9rem 1rem; margin: .8rem 0;
  color: #1a1a1a; text-decoration: none; }
li a:hover, li a:focus { background: #eef3f7; outline: 3px solid #00507a; }
.name { display: block; font-size: 1.25rem; font-weight: bold; color: #00507a; }
"""
    body = f'{heading}\n{hints}\n<nav aria-label="{label}"><ul>\n{"".join(items)}\n</ul></nav>'
    return _page(first, _literal(t("app.title", first, municipality=session.municipality)), css, body)


def _page(language: str, title: str, css: str, body: str) -> str:
    """One of the kit's own plain pages (no Voilà, no script): ``title`` and ``body`` are HTML already."""
    return f"""<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1a1a1a; background: #fff;
  margin: 0; line-height: 1.45; }}
main {{ max-width: 40rem; margin: 0 auto; padding: 1.2rem; }}
{css}</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""


def _said(key: str, languages: list[str], separator: str = " ") -> str:
    """A text in every language, the first one first, each part marked with its language."""
    return separator.join(f'<span lang="{lang}">{_literal(t(key, lang))}</span>' for lang in languages)


_LOGIN_CSS = """h1 { font-size: 1.5rem; color: #00507a; margin: .4rem 0 .8rem; }
h1 span { display: block; }
h1 span + span { font-size: 1.1rem; color: #4a4a4a; }
p span { display: block; margin-bottom: .6rem; }
p span + span { color: #4a4a4a; }
.wrong { border-left: .4rem solid #7a0000; padding: .4rem .8rem; color: #7a0000; font-weight: bold; }
.wrong span + span { color: #7a0000; }
label { display: block; font-weight: bold; margin: 1rem 0 .3rem; }
input { font-size: 1.25rem; padding: .5rem; width: 100%; max-width: 20rem; box-sizing: border-box;
  border: 2px solid #4a4a4a; border-radius: .3rem; }
button { display: block; margin-top: .8rem; font-size: 1.1rem; padding: .6rem 1.2rem; color: #fff;
  background: #00507a; border: 0; border-radius: .3rem; }
input:focus, button:focus { outline: 3px solid #00507a; outline-offset: 2px; }
"""


def login_page(language: str, intro: str) -> str:
    """The page for an address whose access token is missing or no longer valid, in the workshop's languages.

    Jupyter's own page is in English and tells people to run ``jupyter server list``. This one says what
    happened (``intro``, a text key: participants and the facilitator need different advice) and keeps the
    form: typing the access code lets the person in and takes them where they wanted to go. The code is
    typed as text, not hidden, with no capital letter added by a phone's keyboard. A Jinja template for
    Jupyter Server, which fills in ``base_url``, ``next``, the form's XSRF field and ``message`` (set after
    a wrong code); nothing on it names the workshop, because anyone who reaches the laptop can see it.
    """
    languages = _first(language)
    body = f"""<h1>{_said("app.login_title", languages)}</h1>
<p>{_said(intro, languages)}</p>
{{% if message %}}<p class="wrong" id="wck-wrong" role="alert">{_said("app.login_wrong", languages)}</p>{{% endif %}}
<form action="{{{{ base_url }}}}login?next={{{{ next }}}}" method="post">
{{{{ xsrf_form_html() | safe }}}}
<label for="password_input">{_said("app.login_label", languages, " / ")}</label>
<input type="text" name="password" id="password_input" required autofocus autocomplete="off"
  autocapitalize="none" autocorrect="off" spellcheck="false"{{% if message %}} aria-describedby="wck-wrong"
  aria-invalid="true"{{% endif %}}>
<button type="submit">{_said("app.login_button", languages, " / ")}</button>
</form>"""
    title = " / ".join(_literal(t("app.login_title", lang)) for lang in languages)
    return _page(languages[0], title, _LOGIN_CSS, body)


_WATCH_SCRIPT = """
(function () {
  "use strict";
  // Voila talks to the participant's kernel through a websocket. When every kernel socket has closed
  // (laptop asleep, Wi-Fi gone, server stopped), answers can no longer be saved: say so, loudly.
  var Native = window.WebSocket;
  var open = 0, seen = false, timer = null;
  function show(lost) {
    var box = document.getElementById("wck-connection");
    if (box) { box.hidden = !lost; }
  }
  function update() {
    clearTimeout(timer);
    if (open > 0) { show(false); return; }
    if (seen) { timer = setTimeout(function () { show(open === 0); }, 3000); }
  }
  function Watched(url, protocols) {
    var socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    if (String(url).indexOf("/api/kernels/") !== -1) {
      var wasOpen = false;
      socket.addEventListener("open", function () { wasOpen = true; open += 1; seen = true; update(); });
      socket.addEventListener("close", function () { if (wasOpen) { open -= 1; update(); } });
    }
    return socket;
  }
  Watched.prototype = Native.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (k) { Watched[k] = Native[k]; });
  window.WebSocket = Watched;
})();
"""


def _connection_notice(message: str, languages: list[str], *, reload: bool) -> tuple[str, str]:
    """The watch script and style for Voilà's page head, and the notice (hidden until the kernel is lost) for its foot.

    ``message`` is a text key, said in every language, the first one first; ``reload`` adds a button that reloads.
    """
    said = _said(message, languages)
    button = ""
    if reload:
        label = " / ".join(_literal(t("app.reload", lang)) for lang in languages)
        button = f'<button type="button" onclick="window.location.reload()">{label}</button>'
    head = (
        f"<script>{_WATCH_SCRIPT}</script>\n"
        "<style>#wck-connection { position: fixed; top: 0; left: 0; right: 0; z-index: 10000; margin: 0;"
        " padding: .8rem 1rem; background: #7a0000; color: #fff; font-size: 1.05rem; line-height: 1.4; }"
        " #wck-connection[hidden] { display: none; } #wck-connection span { display: block; }"
        " #wck-connection button { margin-top: .5rem; font-size: 1rem; padding: .3rem .8rem; }</style>\n"
    )
    return head, f'<div id="wck-connection" role="alert" hidden>{said}{button}</div>\n'


def _first(language: str) -> list[str]:
    return [language, *(lang for lang in LANGUAGES if lang != language)]


def checklist_page(session: Session) -> str:
    """Voilà's own notebook page plus a notice that appears as soon as the page loses its kernel."""
    head, notice = _connection_notice("app.connection_lost", _first(session.language), reload=True)
    return (
        '{%- extends "' + OFFLINE_LAB + '" -%}\n'
        "{%- block html_head_js -%}\n{{ super() }}\n"
        f"{head}"
        "{%- endblock html_head_js -%}\n"
        "{%- block body_footer -%}\n{{ super() }}\n"
        f"{notice}"
        "{%- endblock body_footer -%}\n"
    )


OFFLINE_LAB = "offline-lab.html.j2"
"""Voilà's "lab" page without its two style sheets from a CDN (icons), which an offline workshop cannot load."""


def _voila_file(name: str) -> str:
    """One of Voilà's own template files, as installed (``lab/index.html.j2``, ``base/…``)."""
    from jupyter_core.paths import jupyter_path

    for root in jupyter_path("voila", "templates"):
        candidate = Path(root) / name
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise ServeError(say("serve.voila_template_missing", name=name))


def _localised_voila_files(language: str, loading: str | None = None) -> dict[str, str]:
    """Voilà's page and loading messages, made offline and put into the workshop's language.

    Copies of Voilà's files with its English loading texts replaced (``loading``: what the page says while
    it loads, by default that the checklist is loading); a text Voilà no longer has is simply left as it is,
    so a newer Voilà still works (in English).
    """
    lab = _voila_file("lab/index.html.j2")
    lab = "\n".join(line for line in lab.splitlines() if "cdn.jsdelivr.net" not in line)
    spinner = _voila_file("base/spinner.macro.html.j2").replace(
        "Running {{nb_title}}...", _literal(loading or t("app.loading", language))
    )
    step = t("app.loading_step", language, index="${cell_index}", count="${cell_count}").replace("`", "'")
    setup = (
        _voila_file("base/voila_setup.macro.html.j2")
        .replace("`Executing ${cell_index} of ${cell_count}`", f"`{step}`")
        .replace("`Reading ${cell_index} of ${cell_count}`", f"`{step}`")
    )
    return {OFFLINE_LAB: lab, "spinner.macro.html.j2": spinner, "voila_setup.macro.html.j2": setup}


def _template_folder(folder: Path, name: str, language: str, loading: str | None = None) -> Path:
    """A Voilà template ``name`` on top of its own "lab" one, offline and in ``language``; returns its folder."""
    template = folder / "voila" / "templates" / name
    template.mkdir(parents=True, exist_ok=True)
    (template / "conf.json").write_text(json.dumps({"base_template": "lab"}), encoding="utf-8")
    for file_name, text in _localised_voila_files(language, loading).items():
        (template / file_name).write_text(text, encoding="utf-8")
    return template


def write_templates(session: Session, folder: Path) -> Path:
    """A Voilà template on top of its own "lab" one: the start page and the checklist page; returns ``folder``."""
    template = _template_folder(folder, TEMPLATE, session.language)
    (template / "tree.html").write_text(start_page(session), encoding="utf-8")
    (template / "index.html.j2").write_text(checklist_page(session), encoding="utf-8")
    (template / LOGIN_PAGE).write_text(login_page(session.language, "app.login_intro"), encoding="utf-8")
    return folder


# --- show: one facilitator notebook ---------------------------------------------------------------------

SHOW_TEMPLATE = "wholecomm-facilitator"
SHOW_HOST = "127.0.0.1"
"""The facilitator's notebooks are for this computer only (its screen, the projector)."""
SHOWN = {"live": "live_results.ipynb", "action-plan": "action_plan.ipynb"}
"""What ``show`` can show, and the notebook in ``SESSION/facilitator/`` it serves."""
SHOW_PORTS = {"live": 8867, "action-plan": 8868}
"""Beside ``serve`` on 8866, and beside each other: the live results and the action plan may be open at once."""
_SHOWN_TITLES = {"live": "live.title", "action-plan": "live.plan_title"}


@dataclass(frozen=True)
class ShowPlan:
    """One facilitator notebook to serve on this computer, and its address with the token."""

    session: Session
    what: str
    notebook: Path
    port: int
    token: str
    url: str

    def voila_argv(self, *, browser: bool = True) -> list[str]:
        return [
            str(self.notebook),
            *voila_arguments(self.session, bind=SHOW_HOST, port=self.port, token=self.token, template=SHOW_TEMPLATE),
            f"--Voila.open_browser={browser}",
        ]


def plan_show(session_dir: Path, what: str, *, port: int | None = None) -> ShowPlan:
    """Check the session and the port, write the facilitator notebooks if they are missing, and make a token."""
    from .notebooks import FACILITATOR_DIR, prepare_facilitator_notebooks

    session = load_session(session_dir)
    port = SHOW_PORTS[what] if port is None else port
    check_port_free(SHOW_HOST, port)
    notebook = session.path / FACILITATOR_DIR / SHOWN[what]
    if prepared_for(notebook) != str(session.path.resolve()):  # missing, or written before the folder was moved
        prepare_facilitator_notebooks(session)
    token = new_token(16)  # nobody types it: the browser opens with it, or the printed address is copied
    return ShowPlan(session, what, notebook, port, token, f"http://{SHOW_HOST}:{port}/?token={token}")


def show_page(title: str, language: str) -> str:
    """Voilà's own notebook page, offline, with ``title`` in the browser's tab (not the notebook's file name).

    Like a checklist, it says at once when it has lost its kernel (``show`` stopped, the laptop asleep): what is
    typed then is not saved. Reloading would not help (``show`` started again has a new token), so no button.
    """
    # A JavaScript string: <, { and } escaped, so neither HTML nor Voilà's Jinja reads anything into the text.
    literal = json.dumps(title).replace("<", "\\u003c").replace("{", "\\u007b").replace("}", "\\u007d")
    head, notice = _connection_notice("live.connection_lost", _first(language), reload=False)
    return (
        '{%- extends "' + OFFLINE_LAB + '" -%}\n'
        "{%- block html_head_js -%}\n{{ super() }}\n"
        f"<script>document.title = {literal};</script>\n"
        f"{head}"
        "{%- endblock html_head_js -%}\n"
        "{%- block body_footer -%}\n{{ super() }}\n"
        f"{notice}"
        "{%- endblock body_footer -%}\n"
    )


def prepared_for(notebook: Path) -> str | None:
    """The session folder a notebook written by ``prepare`` is set to (its papermill parameter), if it can be read."""
    import ast

    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                for node in ast.parse(source).body:
                    if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["session_dir"]:
                        return str(ast.literal_eval(node.value))
    except (OSError, UnicodeDecodeError, ValueError, SyntaxError, KeyError, TypeError):
        return None  # unreadable: written anew
    return None


def write_show_templates(session: Session, what: str, folder: Path) -> Path:
    """The template of ``show``: Voilà's page offline, named and loading in the workshop's language."""
    title = t(_SHOWN_TITLES[what], session.language, municipality=session.municipality)
    template = _template_folder(folder, SHOW_TEMPLATE, session.language, f"{title} …")
    (template / "index.html.j2").write_text(show_page(title, session.language), encoding="utf-8")
    (template / LOGIN_PAGE).write_text(login_page(session.language, "live.login_intro"), encoding="utf-8")
    return folder


def run_show(plan: ShowPlan, *, browser: bool = True) -> None:
    """Serve the notebook until Ctrl-C, opening the facilitator's browser on it unless ``browser`` is false."""
    launch_voila(plan.voila_argv(browser=browser), lambda folder: write_show_templates(plan.session, plan.what, folder))
