"""`.airflowignore`: files of the DAG folder that are not DAG files, in Airflow 3's default glob
syntax (gitignore's rules, `dag_ignore_file_syntax = glob`): a file in the folder holding the
`.airflowignore`, or below it, that a pattern matches is never parsed."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger("updraft.dag_processor")

IGNORE_FILE = ".airflowignore"


class _Rule(NamedTuple):
    pattern: object  # pathspec's GitWildMatchPattern
    relative_to: Path | None
    dir_only: bool


def _compile(pattern: str, definition_file: Path) -> _Rule | None:
    """Airflow's `_GlobIgnoreRule.compile`."""
    import warnings

    with warnings.catch_warnings():  # pathspec 1.x renames the class Airflow uses; same rules
        warnings.simplefilter("ignore", DeprecationWarning)
        from pathspec.patterns import GitWildMatchPattern

    if pattern.strip() == "/":
        log.warning("Ignoring no-op glob pattern '/' from %s", definition_file)
        return None
    relative_to = definition_file.parent if pattern.startswith("/") or "/" in pattern.rstrip("/") else None
    raw = pattern.lstrip("!")
    dir_only = raw.rstrip() != raw.rstrip().rstrip("/")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return _Rule(GitWildMatchPattern(pattern), relative_to, dir_only)


def _matches(path: Path, is_dir: bool, rules: list[_Rule]) -> bool:
    """Airflow's `_GlobIgnoreRule.match`: the last rule that matches decides (`!` re-includes)."""
    matched = False
    for rule in rules:
        if rule.dir_only and not is_dir:
            continue
        relative = path.relative_to(rule.relative_to) if rule.relative_to else Path(path.name)
        text = f"{relative.as_posix()}/" if is_dir else relative.as_posix()
        include = rule.pattern.include  # type: ignore[attr-defined]
        if include is not None and rule.pattern.match_file(text) is not None:  # type: ignore[attr-defined]
            matched = include
    return matched


def _rules_in(folder: Path) -> list[_Rule]:
    ignore_file = folder / IGNORE_FILE
    if not ignore_file.is_file():
        return []
    lines = [re.sub(r"\s*#.*", "", line) for line in ignore_file.read_text().split("\n")]
    return [rule for line in lines if line and (rule := _compile(line, ignore_file)) is not None]


def is_ignored(root: str, relative_path: str) -> bool:
    """Whether `relative_path` (below the DAG folder `root`) is excluded by a `.airflowignore`
    of its folder or of one above it, as Airflow's walk of the DAG folder would exclude it."""
    base = Path(root)
    parts = Path(relative_path).parts
    rules: list[_Rule] = []
    folder = base
    for name in parts[:-1]:
        rules = rules + _rules_in(folder)
        folder = folder / name
        if _matches(folder, True, rules):
            return True
    rules = rules + _rules_in(folder)
    return _matches(folder / parts[-1], False, rules)
