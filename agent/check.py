"""``mentor-agent check``: load the config, roster, rules and templates and report every problem.

Each file is checked even when another one is wrong, so an administrator sees all problems in one
run. ``check_program`` returns a ``Program`` (the loaded, validated files) only when there is no
error; warnings are allowed.

Templates are ``<name>.txt.j2`` (required, first line ``Subject: ...``), with an optional
``<name>.html.j2`` and locale variants ``<name>.<locale>.txt.j2``. A name is looked up in the
program's templates folder, then in the shipped defaults (the repository's ``templates/``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

import agent
from agent.config import DEFAULT_CADENCE, Config, load_config_partial
from agent.errors import Problem
from agent.roster import Roster, load_roster
from agent.rules.loader import load_rules
from agent.rules.model import RuleSet
from agent.scheduling.hours import parse_cadence
from agent.tomlpos import display

SHIPPED_TEMPLATES = Path(agent.__file__).resolve().parent.parent / "templates"
SHIPPED_RULES = Path(agent.__file__).resolve().parent.parent / "rules"
SUBJECT_HINT = 'start the template with a line "Subject: ..."'


@dataclass(frozen=True)
class Program:
    """Everything an administrator wrote, loaded and checked."""

    config: Config
    roster: Roster
    rules: RuleSet
    templates_dirs: tuple[Path, ...]


def template_dirs(templates: Path) -> tuple[Path, ...]:
    """Where template names are looked up, in order: the program's folder, then the shipped one."""
    dirs = [templates.absolute()]
    if SHIPPED_TEMPLATES not in (d.resolve() for d in dirs):
        dirs.append(SHIPPED_TEMPLATES)
    return tuple(dirs)


def template_finder(dirs: tuple[Path, ...]) -> Callable[[str], bool]:
    """A ``template_exists(name)``: true when ``<dir>/<name>.txt.j2`` exists in one of ``dirs``."""

    def exists(name: str) -> bool:
        parts = Path(name).parts
        if not parts or Path(name).is_absolute() or ".." in parts:
            return False
        return any((folder / f"{name}.txt.j2").is_file() for folder in dirs)

    return exists


def check_templates(folder: Path) -> list[Problem]:
    """Parse every ``*.j2`` under ``folder``; a ``.txt.j2`` must start with ``Subject:``."""
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)
    problems: list[Problem] = []
    for path in sorted(folder.rglob("*.j2")):
        shown = display(path)
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem.at(shown, 1, f"cannot read the template: {exc}", "save it as UTF-8 text"))
            continue
        try:
            env.parse(source, name=path.name, filename=shown)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(Problem.at(shown, exc.lineno or 1, f"template syntax error: {exc.message}",
                                       "check that every {{ }} and {% %} is closed and every {% if %} has {% endif %}"))
        if path.name.endswith(".txt.j2"):
            first = source.lstrip("\ufeff").split("\n", 1)[0]
            if not first.startswith("Subject:") or not first[len("Subject:"):].strip():
                problems.append(Problem.at(shown, 1, "the first line is not a subject", SUBJECT_HINT))
    return problems


def check_program(config_path: Path) -> tuple[Program | None, list[Problem]]:
    """Check the config and everything it points to; the Program is None when any error was found."""
    config, values, problems = load_config_partial(Path(config_path))
    if not values:  # the config file is missing or not TOML: nothing else can be located
        return None, sorted(problems)
    program_values = values["program"]
    folder = Path(config_path).absolute().parent
    roster_path = program_values.get("roster", folder / "roster.toml")
    rules_path = program_values.get("rules", folder / "rules")
    templates_path = program_values.get("templates", folder / "templates")
    cadence = values["scheduling"].get("cadence") or parse_cadence(DEFAULT_CADENCE)
    roster = None
    if roster_path.is_file():  # a missing file was already reported against the config
        roster, found = load_roster(roster_path, default_cadence=cadence,
                                    default_locale=program_values.get("locale", "en"))
        problems += found
    dirs = template_dirs(templates_path)
    rules = RuleSet()
    if rules_path.is_dir():
        rules, found = load_rules(rules_path, template_exists=template_finder(dirs))
        problems += found
    if templates_path.is_dir():
        problems += check_templates(templates_path)
    problems = sorted(set(problems), key=lambda p: (p.file, p.line, p.message))
    if config is None or roster is None or any(p.severity == "error" for p in problems):
        return None, problems
    return Program(config, roster, rules, dirs), problems


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)
