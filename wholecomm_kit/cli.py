"""The ``wholecomm-kit`` command line: one sub-command per step of a workshop."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .catalog import LANGUAGES, load_catalog
from .exceptions import InputError, KitError
from .report import BROWSER_ENV

F = TypeVar("F", bound=Callable[..., Any])


def _friendly_errors(command: F) -> F:
    """Show a KitError as a plain message (no traceback) and exit with status 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            click.echo(f"Error: {len(exc.problems)} problem(s) found:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            sys.exit(1)
        except KitError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _sizes() -> list[str]:
    return list(load_catalog().ids("sizes"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wholecomm-kit")
def cli() -> None:
    """Whole-COMM workshop kit: assess and plan local inclusion policies with the Whole-COMM Toolbox.

    \b
    Running a workshop:
      1. wholecomm-kit new-session --municipality … --fields …   create the workshop folder
      2. wholecomm-kit prepare SESSION      checklist notebooks, live results, action plan
         wholecomm-kit paper-forms SESSION  paper forms, id cards and answers.xlsx for people without a device
      3. wholecomm-kit serve SESSION --network
                                            participants rate on their own devices
                                            (join URL and QR code; Ctrl-C stops, nothing is lost)
         SESSION/facilitator/live_results.ipynb   live results for the projector
         SESSION/facilitator/action_plan.ipynb    record the agreed actions
         wholecomm-kit import SESSION SESSION/paper/answers.xlsx
                                            paper forms typed into the spreadsheet (or a .csv)
      4. wholecomm-kit report SESSION       the handout (HTML and PDF) afterwards
      wholecomm-kit validate SESSION        check the data at any time

    Try it with the fictional example: wholecomm-kit demo
    """


@cli.command("catalog")
@click.option("--json", "as_json", is_flag=True, help="Print the whole catalogue as JSON for other tools.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="de", show_default=True, help="Language of the summary.")
@_friendly_errors
def catalog_command(as_json: bool, lang: str) -> None:
    """Show the toolbox catalogue: fields, standards, challenges and practice examples."""
    catalog = load_catalog()
    if as_json:
        click.echo(json.dumps(catalog.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"Whole-COMM Toolbox catalogue {catalog.version}")
    for field in catalog.fields:
        click.echo(
            f"\n{field.number}. {field.title.get(lang)} [{field.id}]: {len(field.standards)} standards, "
            f"{len(field.challenges)} challenges, {len(field.practices)} practice example(s)"
        )
        for group in field.groups:
            click.echo(f"\n   {group.id}  {group.title.get(lang)}")
            for standard in group.standards:
                click.echo(f"      {standard.id:<9} {standard.text.get(lang)}")
        click.echo("\n   Key challenges:")
        for challenge in field.challenges:
            click.echo(f"      {challenge.id:<9} {challenge.text.get(lang)}")
        click.echo("\n   Practice examples:")
        for practice in field.practices:
            click.echo(f"      {practice.id:<9} {practice.name.get(lang)} ({practice.place}, {practice.country})")


@cli.command("new-session")
@click.option("--municipality", required=True, help="Name of the municipality (no personal names needed anywhere).")
@click.option("--country", required=True, help="Two-letter country code, e.g. DE, AT, IT, SE.")
@click.option("--size", required=True, type=click.Choice(_sizes()), help="Size class of the municipality.")
@click.option("--date", "date", required=True, help="Date of the workshop, YYYY-MM-DD.")
@click.option("--fields", required=True, help="Fields of action, comma-separated, or 'all'.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="de", show_default=True, help="Workshop language.")
@click.option(
    "--previous", type=click.Path(path_type=Path), help="Folder of an earlier session of the same municipality."
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path("workshops"),
    show_default=True,
    help="Folder that holds the sessions.",
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


@cli.command("import")
@click.argument("session_dir", type=click.Path(path_type=Path))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--lenient", is_flag=True, help="Import the good rows and list every rejected one.")
@click.option("--again", is_flag=True, help="Also add rows that repeat an answer already in the session.")
@_friendly_errors
def import_command(session_dir: Path, file: Path, lenient: bool, again: bool) -> None:
    """Add answers from a CSV file or an Excel workbook (.xlsx).

    \b
    Ratings: columns as in responses.csv; key challenges: as in challenges.csv
    (session_id and recorded_at may be left out in both).
    CSV: UTF-8, separated by commas, semicolons or tabs.
    Workbook: the sheet 'answers' (else the first sheet) and the sheet 'challenges',
    as in SESSION/paper/answers.xlsx from paper-forms.
    """
    from .importer import import_file
    from .session import load_session

    try:
        results = import_file(load_session(session_dir), file, lenient=lenient, again=again)
    except InputError:
        click.echo("Nothing was imported.", err=True)
        raise
    for result in results:
        source = f"sheet {result.sheet!r} of {file}" if result.sheet is not None else str(file)
        lines = "row(s)" if result.sheet is not None else "line(s)"
        what = "key challenge answer(s)" if result.table == "challenges" else "answer(s)"
        click.echo(f"Imported {result.imported} {what} from {source} into {session_dir}.")
        if result.blank_lines:
            click.echo(f"Skipped {result.blank_lines} empty {lines} of {source}.")
        if result.repeated:
            numbers = ", ".join(str(line) for line in result.repeated)
            click.echo(
                f"Not added again: {len(result.repeated)} {what} already in the session ({lines} {numbers} of "
                f"{source}). Was this file imported before? Use --again to add them anyway.",
                err=True,
            )
        if result.rejected:
            click.echo(f"Rejected {len(result.rejected)} row(s) of {source}:", err=True)
            for problem in result.rejected:
                click.echo(f"  {problem}", err=True)


@cli.command("validate")
@click.argument("session_dir", type=click.Path(path_type=Path))
@_friendly_errors
def validate_command(session_dir: Path) -> None:
    """Check a session folder against the catalogue and the data contract."""
    from .schema import validate_session

    problems = validate_session(session_dir)
    if problems:
        raise InputError(problems)
    click.echo(f"{session_dir}: valid.")


@cli.command("schema")
@click.option("--write", is_flag=True, help="Write data/schema/datapackage.json instead of printing it.")
@_friendly_errors
def schema_command(write: bool) -> None:
    """Print the data contract (a Frictionless Data Package) generated from the catalogue."""
    from .schema import datapackage_json, schema_path

    if write:
        schema_path().write_text(datapackage_json(), encoding="utf-8")
        click.echo(str(schema_path()))
    else:
        click.echo(datapackage_json(), nl=False)


@cli.command("prepare")
@click.argument("session_dir", type=click.Path(path_type=Path))
@click.option(
    "--mode",
    type=click.Choice(["self", "facilitator"]),
    default="self",
    show_default=True,
    help="self: one participant per device; facilitator: you record each breakout group's consensus.",
)
@_friendly_errors
def prepare_command(session_dir: Path, mode: str) -> None:
    """Write the checklist notebooks (one per field) and the live-results and action-plan notebooks.

    Checklists go to SESSION/checklists/ (what participants reach through 'serve'); live results and the
    action plan, set to this session, go to SESSION/facilitator/ for the facilitator's JupyterLab.
    """
    from .notebooks import how_to_open_checklists, prepare_checklists, prepare_facilitator_notebooks
    from .session import load_session

    session = load_session(session_dir)
    paths = prepare_checklists(session, mode=mode)
    extra = prepare_facilitator_notebooks(session)
    for path in (*paths, *extra):
        click.echo(str(path))
    click.echo(how_to_open_checklists(session, paths), err=True)
    click.echo(f"Live results and action plan (facilitator):  jupyter lab {extra[0].parent}", err=True)


@cli.command("paper-forms")
@click.argument("session_dir", type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(LANGUAGES), help="Language of the forms (default: the session's).")
@click.option("--format", "formats", default="html,pdf", show_default=True, help="html, pdf or both, comma-separated.")
@click.option("--browser", help=f"Chromium, Chrome or Edge to print the PDFs with (or set {BROWSER_ENV}).")
@click.option(
    "--cards",
    default=24,
    show_default=True,
    type=click.IntRange(0, 1000),
    help="How many id cards to print (24 fill one page; 0 for none). Their ids never repeat earlier cards'.",
)
@_friendly_errors
def paper_forms_command(session_dir: Path, lang: str | None, formats: str, browser: str | None, cards: int) -> None:
    """Write printable paper forms (one per field), id cards and answers.xlsx into SESSION/paper/; print the paths.

    Type the filled-in forms into answers.xlsx (one row per answer) and add them with 'import'.
    """
    from .paperform import write_paper_forms

    result = write_paper_forms(
        session_dir,
        language=lang,
        formats=tuple(f.strip() for f in formats.split(",") if f.strip()),
        browser=browser,
        cards=cards,
    )
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for path in (*result.forms, *result.pdfs, *result.cards, result.spreadsheet):
        click.echo(str(path))


@cli.command("serve")
@click.argument("session_dir", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (this machine only).")
@click.option("--port", default=8866, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--network",
    is_flag=True,
    help="Open the app to the workshop network (Wi-Fi) so participants join from their own devices.",
)
@click.option("--token", help="Access token participants need (default: a new random one).")
@_friendly_errors
def serve_command(session_dir: Path, host: str, port: int, network: bool, token: str | None) -> None:
    """Serve the session's checklists to participants (Voilà: no code shown, one kernel per participant).

    Prints the join URL (with the access token) and writes a QR code of it to SESSION/join-qr.png for the
    projector. Stop with Ctrl-C: every answer is already saved.
    """
    from .serve import plan_server, run_server

    plan = plan_server(session_dir, host=host, port=port, token=token, network=network)
    click.echo(f"Join URL: {plan.join_url}")
    click.echo(f"Access token: {plan.token}")
    click.echo(f"QR code for the projector: {plan.qr_path}")
    if not network:
        click.echo("Only this computer can open it. Add --network to let participants join over the workshop Wi-Fi.")
    click.echo("Stop with Ctrl-C; every answer is saved as it is given.", err=True)
    with contextlib.suppress(KeyboardInterrupt):
        run_server(plan)
    click.echo("Server stopped. All answers are in " + str(plan.session.path / "responses.csv"), err=True)


@cli.command("report")
@click.argument("session_dir", type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(LANGUAGES), help="Language of the handout (default: the session's).")
@click.option("--format", "formats", default="html,pdf", show_default=True, help="html, pdf or both, comma-separated.")
@click.option(
    "--previous", type=click.Path(path_type=Path), help="An earlier session of the same town to compare with."
)
@click.option("--browser", help=f"Chromium, Chrome or Edge to print the PDF with (or set {BROWSER_ENV}).")
@click.option(
    "--notebook",
    type=click.Path(path_type=Path),
    help="Your own handout notebook (same papermill parameters) instead of the kit's.",
)
@_friendly_errors
def report_command(
    session_dir: Path, lang: str | None, formats: str, previous: Path | None, browser: str | None, notebook: Path | None
) -> None:
    """Write the handout (HTML and PDF) into SESSION/report/ and print the paths."""
    from .report import make_report

    result = make_report(
        session_dir,
        language=lang,
        formats=tuple(f.strip() for f in formats.split(",") if f.strip()),
        previous=previous,
        browser=browser,
        notebook=notebook,
        progress=lambda message: click.echo(message, err=True),
    )
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for path in (result.html, result.pdf):
        if path is not None:
            click.echo(str(path))


@cli.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path("workshops"),
    show_default=True,
    help="Folder for the demo session.",
)
@click.option("--handout/--no-handout", default=True, show_default=True, help="End by writing the demo's handout.")
@_friendly_errors
def demo_command(directory: Path, handout: bool) -> None:
    """Create the fictional 'Musterstadt' workshop with answers, write its handout and print the paths."""
    from .demo import create_demo
    from .report import make_report

    session = create_demo(directory)
    click.echo(str(session.path))
    if handout:
        result = make_report(session.path, progress=lambda message: click.echo(message, err=True))
        for warning in result.warnings:
            click.echo(f"Warning: {warning}", err=True)
        for path in (result.html, result.pdf):
            if path is not None:
                click.echo(str(path))


def main() -> None:
    # jsonschema loads a Lark grammar from rfc3987-syntax (about a second) when nbformat is imported, only to
    # check IRI formats that notebooks never use; without it jsonschema falls back to skipping that check.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    cli(prog_name="wholecomm-kit")
