"""The ``wholecomm-kit`` command line: one sub-command per step of a workshop."""

from __future__ import annotations

import contextlib
import functools
import json
import shlex
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from .catalog import LANGUAGES, load_catalog
from .clicktexts import use_interface_language
from .exceptions import CatalogError, InputError, KitError
from .report import BROWSER_ENV
from .serve import SHOW_PORTS, SHOWN
from .texts import say

F = TypeVar("F", bound=Callable[..., Any])


def _friendly_errors(command: F) -> F:
    """Show a KitError as a plain message (no traceback) and exit with status 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .store import moved_rows

        # Rows moved to a .damaged file are said plainly, as a warning of this command, before any error.
        moved: list[str] = []
        failure: KitError | None = None
        try:
            with moved_rows(moved):
                try:
                    return command(*args, **kwargs)
                except KitError as exc:
                    failure = exc
        finally:
            for message in moved:
                click.echo(say("cli.warning", message=message), err=True)
        if isinstance(failure, InputError):
            click.echo(say("cli.problems", count=len(failure.problems)), err=True)
            for problem in failure.problems:
                click.echo(f"  {problem}", err=True)
        else:
            click.echo(say("cli.error", message=failure), err=True)
        sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _help(key: str) -> str:
    """A command's help text; a line ``\\b`` in the YAML keeps click from rewrapping the paragraph after it."""
    return say(key).replace("\\b\n", "\b\n")


def _formats(text: str) -> tuple[str, ...]:
    """``--format html,pdf`` as a tuple."""
    return tuple(f.strip() for f in text.split(",") if f.strip())


def _show(warnings: Iterable[str], paths: Iterable[Path | None]) -> None:
    """Warnings on stderr, then the paths written, one a line (what a script reads)."""
    for warning in warnings:
        click.echo(say("cli.warning", message=warning), err=True)
    for path in paths:
        if path is not None:
            click.echo(str(path))


def _sizes() -> click.ParamType[str]:
    """The catalogue's sizes as a choice; a broken catalogue leaves the check to the command, which reports it.

    Called while this module is imported: an error here would be a traceback for every command.
    """
    try:
        return click.Choice(load_catalog().ids("sizes"))
    except CatalogError:
        return click.STRING


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, help=_help("cli.group_help"))
@click.version_option(package_name="wholecomm-kit", help=say("cli.version_help"), message=say("cli.version_message"))
def cli() -> None:
    """Whole-COMM workshop kit: assess and plan local inclusion policies with the Whole-COMM Toolbox."""


@cli.command("catalog", help=_help("cli.catalog_help"))
@click.option("--json", "as_json", is_flag=True, help=say("cli.catalog_json"))
@click.option("--lang", type=click.Choice(LANGUAGES), help=say("cli.catalog_lang"))
@_friendly_errors
def catalog_command(as_json: bool, lang: str | None) -> None:
    """Show the toolbox catalogue: fields, standards, challenges and practice examples."""
    from .texts import interface_language

    catalog = load_catalog()
    lang = lang or interface_language()  # titles in the language of the lines around them
    if as_json:
        click.echo(json.dumps(catalog.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(say("cli.catalog_title", version=catalog.version))
    for field in catalog.fields:
        line = say(
            "cli.catalog_field",
            number=field.number,
            title=field.title.get(lang),
            id=field.id,
            standards=len(field.standards),
            challenges=len(field.challenges),
            practices=len(field.practices),
        )
        click.echo(f"\n{line}")
        for group in field.groups:
            click.echo(f"\n   {group.id}  {group.title.get(lang)}")
            for standard in group.standards:
                click.echo(f"      {standard.id:<9} {standard.text.get(lang)}")
        click.echo(f"\n   {say('cli.catalog_challenges')}")
        for challenge in field.challenges:
            click.echo(f"      {challenge.id:<9} {challenge.text.get(lang)}")
        click.echo(f"\n   {say('cli.catalog_practices')}")
        for practice in field.practices:
            where = f"{practice.place.get(lang)}, {practice.country}"
            click.echo(f"      {practice.id:<9} {practice.name.get(lang)} ({where})")


@cli.command("new-session", help=_help("cli.new_session_help"))
@click.option("--municipality", required=True, help=say("cli.opt_municipality"))
@click.option("--country", required=True, help=say("cli.opt_country"))
@click.option("--size", required=True, type=_sizes(), help=say("cli.opt_size"))
@click.option("--date", "date", required=True, help=say("cli.opt_date"))
@click.option("--fields", required=True, help=say("cli.opt_fields"))
@click.option(
    "--lang", type=click.Choice(LANGUAGES), default="de", show_default=True, help=say("cli.opt_workshop_lang")
)
@click.option("--previous", type=click.Path(path_type=Path), help=say("cli.opt_previous_session"))
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path("workshops"),
    show_default=True,
    help=say("cli.opt_sessions_dir"),
)
@_friendly_errors
def new_session_command(
    municipality: str,
    country: str,
    size: str,
    date: str,
    fields: str,
    lang: str,
    previous: Path | None,
    directory: Path,
) -> None:
    """Create a workshop session folder and print its path."""
    from .session import create_session

    session = create_session(
        municipality=municipality,
        country=country,
        size=size,
        date=date,
        fields=fields,
        language=lang,
        directory=directory,
        previous=previous,
    )
    click.echo(str(session.path))


@cli.command("import", help=_help("cli.import_help"))
@click.argument("session_dir", type=click.Path(path_type=Path))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--lenient", is_flag=True, help=say("cli.opt_lenient"))
@click.option("--again", is_flag=True, help=say("cli.opt_again"))
@click.option("--regroup", is_flag=True, help=say("cli.opt_regroup"))
@_friendly_errors
def import_command(session_dir: Path, file: Path, lenient: bool, again: bool, regroup: bool) -> None:
    """Add answers from a CSV file or an Excel workbook (.xlsx)."""
    from .importer import import_file
    from .session import load_session

    try:
        results = import_file(load_session(session_dir), file, lenient=lenient, again=again, regroup=regroup)
    except InputError:
        click.echo(say("cli.nothing_imported"), err=True)
        raise
    for result in results:
        sheet = result.sheet is not None
        source = say("cli.source_sheet", sheet=repr(result.sheet), file=file) if sheet else str(file)
        challenges = result.table == "challenges"
        imported = "cli.imported_challenges" if challenges else "cli.imported_answers"
        click.echo(say(imported, count=result.imported, source=source, session=session_dir))
        if result.blank_lines:
            click.echo(
                say("cli.skipped_rows" if sheet else "cli.skipped_lines", count=result.blank_lines, source=source)
            )
        if result.repeated:
            key = f"cli.repeated{'_challenge' if challenges else ''}_{'rows' if sheet else 'lines'}"
            numbers = ", ".join(str(line) for line in result.repeated)
            message = say(key, count=len(result.repeated), numbers=numbers, source=source)
            click.echo(say("cli.warning", message=message), err=True)
        if result.outdated:
            key = "importer.changed_since_rows" if sheet else "importer.changed_since_lines"
            message = say(key, count=len(result.outdated), source=source)
            click.echo(say("cli.warning", message=message), err=True)
            for problem in result.outdated:
                click.echo(f"  {problem}", err=True)
        if result.rejected:
            message = say("cli.rejected", count=len(result.rejected), source=source)
            click.echo(say("cli.warning", message=message), err=True)
            for problem in result.rejected:
                click.echo(f"  {problem}", err=True)
    rejected = sum(len(r.rejected) for r in results)
    if rejected and not any(r.good for r in results):  # --lenient, and not one row was good (rows in the session were)
        click.echo(say("cli.nothing_good", count=rejected), err=True)
        sys.exit(1)


@cli.command("validate", help=_help("cli.validate_help"))
@click.argument("session_dir", type=click.Path(path_type=Path))
@_friendly_errors
def validate_command(session_dir: Path) -> None:
    """Check a session folder against the catalogue and the data contract."""
    from .schema import validate_session

    problems = validate_session(session_dir)
    if problems:
        raise InputError(problems)
    click.echo(say("cli.valid", session=session_dir))


@cli.command("schema", help=_help("cli.schema_help"))
@click.option("--write", is_flag=True, help=say("cli.opt_schema_write"))
@_friendly_errors
def schema_command(write: bool) -> None:
    """Print the data contract (a Frictionless Data Package) generated from the catalogue."""
    from .schema import datapackage_json, schema_path

    if write:
        schema_path().write_text(datapackage_json(), encoding="utf-8")
        click.echo(str(schema_path()))
    else:
        click.echo(datapackage_json(), nl=False)


@cli.command("prepare", help=_help("cli.prepare_help"))
@click.argument("session_dir", type=click.Path(path_type=Path))
@click.option(
    "--mode",
    type=click.Choice(["self", "facilitator"]),
    default="self",
    show_default=True,
    help=say("cli.opt_mode"),
)
@_friendly_errors
def prepare_command(session_dir: Path, mode: str) -> None:
    """Write the checklist notebooks (one per field) and the live-results and action-plan notebooks."""
    from .notebooks import how_to_open_checklists, prepare_checklists, prepare_facilitator_notebooks
    from .session import load_session

    session = load_session(session_dir)
    paths = prepare_checklists(session, mode=mode)
    extra = prepare_facilitator_notebooks(session)
    for path in (*paths, *extra):
        click.echo(str(path))
    click.echo(how_to_open_checklists(session, paths, mode=mode), err=True)
    folder = shlex.quote(str(extra[0].parent))
    click.echo(say("cli.facilitator_notebooks", folder=folder, session=shlex.quote(str(session.path))), err=True)


@cli.command("paper-forms", help=_help("cli.paper_forms_help"))
@click.argument("session_dir", type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(LANGUAGES), help=say("cli.opt_forms_lang"))
@click.option("--format", "formats", default="html,pdf", show_default=True, help=say("cli.opt_format"))
@click.option("--browser", help=say("cli.opt_browser_pdfs", env=BROWSER_ENV))
@click.option(
    "--cards",
    default=24,
    show_default=True,
    type=click.IntRange(0, 1000),
    help=say("cli.opt_cards"),
)
@_friendly_errors
def paper_forms_command(session_dir: Path, lang: str | None, formats: str, browser: str | None, cards: int) -> None:
    """Write printable paper forms (one per field), id cards and answers.xlsx into SESSION/paper/."""
    from .paperform import write_paper_forms

    result = write_paper_forms(session_dir, language=lang, formats=_formats(formats), browser=browser, cards=cards)
    _show(result.warnings, (*result.forms, *result.pdfs, *result.cards, result.spreadsheet))


@cli.command("serve", help=_help("cli.serve_help"))
@click.argument("session_dir", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help=say("cli.opt_host"))
@click.option("--port", default=8866, show_default=True, type=int, help=say("cli.opt_port"))
@click.option("--network", is_flag=True, help=say("cli.opt_network"))
@click.option("--token", help=say("cli.opt_token"))
@_friendly_errors
def serve_command(session_dir: Path, host: str, port: int, network: bool, token: str | None) -> None:
    """Serve the session's checklists to participants (Voilà: no code shown, one kernel per participant)."""
    from .serve import plan_server, run_server

    plan = plan_server(session_dir, host=host, port=port, token=token, network=network)
    click.echo(say("cli.join_url", url=plan.join_url))
    click.echo(say("cli.access_token", token=plan.token))
    click.echo(say("cli.qr_code", path=plan.qr_path))
    if not network:
        click.echo(say("cli.local_only"))
    click.echo(say("cli.stop_hint"), err=True)
    with contextlib.suppress(KeyboardInterrupt):
        run_server(plan)
    click.echo(say("cli.stopped", path=plan.session.path / "responses.csv"), err=True)


@cli.command("show", help=_help("cli.show_help"))
@click.argument("session_dir", type=click.Path(path_type=Path))
@click.argument("what", type=click.Choice(list(SHOWN)))
@click.option(
    "--port", type=int, help=say("cli.opt_show_port", live=SHOW_PORTS["live"], plan=SHOW_PORTS["action-plan"])
)
@click.option("--no-browser", is_flag=True, help=say("cli.opt_no_browser"))
@_friendly_errors
def show_command(session_dir: Path, what: str, port: int | None, no_browser: bool) -> None:
    """Show the live results or the action plan without code, on this computer (Voilà, encrypted kernel)."""
    from .serve import plan_show, run_show

    plan = plan_show(session_dir, what, port=port)
    click.echo(say("cli.show_live" if what == "live" else "cli.show_action_plan", url=plan.url))
    click.echo(say("cli.show_local"))
    click.echo(say("cli.show_stop_hint" if what == "live" else "cli.show_stop_hint_plan"), err=True)
    with contextlib.suppress(KeyboardInterrupt):
        run_show(plan, browser=not no_browser)
    click.echo(say("cli.show_stopped"), err=True)


@cli.command("report", help=_help("cli.report_help"))
@click.argument("session_dir", type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(LANGUAGES), help=say("cli.opt_handout_lang"))
@click.option("--format", "formats", default="html,pdf", show_default=True, help=say("cli.opt_format"))
@click.option("--previous", type=click.Path(path_type=Path), help=say("cli.opt_compare"))
@click.option("--browser", help=say("cli.opt_browser_pdf", env=BROWSER_ENV))
@click.option("--notebook", type=click.Path(path_type=Path), help=say("cli.opt_notebook"))
@_friendly_errors
def report_command(
    session_dir: Path, lang: str | None, formats: str, previous: Path | None, browser: str | None, notebook: Path | None
) -> None:
    """Write the handout (HTML and PDF) into SESSION/report/ and print the paths."""
    from .report import make_report

    result = make_report(
        session_dir,
        language=lang,
        formats=_formats(formats),
        previous=previous,
        browser=browser,
        notebook=notebook,
        progress=lambda message: click.echo(message, err=True),
    )
    _show(result.warnings, (result.html, result.pdf))


@cli.command("demo", help=_help("cli.demo_help"))
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path("workshops"),
    show_default=True,
    help=say("cli.opt_demo_dir"),
)
@click.option("--handout/--no-handout", default=True, show_default=True, help=say("cli.opt_handout"))
@_friendly_errors
def demo_command(directory: Path, handout: bool) -> None:
    """Create the fictional 'Musterstadt' workshop with answers, write its handout and print the paths."""
    from .demo import create_demo
    from .report import make_report

    session = create_demo(directory)
    click.echo(str(session.path))
    if handout:
        result = make_report(session.path, progress=lambda message: click.echo(message, err=True))
        _show(result.warnings, (result.html, result.pdf))


# The usage line's placeholders, like the help texts, in the interface language.
cli.options_metavar = say("cli.options_metavar")
cli.subcommand_metavar = say("cli.subcommand_metavar")
for _command in cli.commands.values():
    _command.options_metavar = cli.options_metavar


def main() -> None:
    # jsonschema loads a Lark grammar from rfc3987-syntax (about a second) when nbformat is imported, only to
    # check IRI formats that notebooks never use; without it jsonschema falls back to skipping that check.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    use_interface_language()
    cli(prog_name="wholecomm-kit")
