"""The repository's promises: conda and pip install the same things; README and CI say what the kit does."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from wholecomm_kit.cli import cli

REPO = Path(__file__).resolve().parent.parent


def _normalised(requirements: list[str]) -> dict[str, str]:
    parsed = [Requirement(r) for r in requirements]
    return {canonicalize_name(r.name): str(r.specifier) for r in parsed}


def test_environment_yml_and_pyproject_list_the_same_dependencies() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pip_side = _normalised(project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str) and not re.match(r"(python|pip)\b", d)]
    assert _normalised(conda) == pip_side


def test_the_readme_documents_every_command_and_the_quick_start() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"`wholecomm-kit {name}" in readme, f"README lacks the command {name}"
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make demo" in quick
    assert "make test" in quick


def test_ci_runs_the_readme_test_command() -> None:
    run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in run


def test_every_dependency_is_explained_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    section = readme.split("## Dependencies", 1)[1]
    for requirement in project["dependencies"]:
        name = Requirement(requirement).name
        assert f"`{name}`" in section, f"README does not say why {name} is needed"
