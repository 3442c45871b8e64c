"""Cold start: how long each Lambda handler module takes to import, against `import airflow`.

For each functions/<name>/ folder, `python -X importtime -c "import app"` runs in that folder
with the package importable (PYTHONPATH=shared), as Lambda imports the handler on a cold start,
several times; the median of the module's cumulative import time is reported, two ways:

- with bytecode: the modules' compiled bytecode is cached (a warm-up run writes it into a
  temporary PYTHONPYCACHEPREFIX), as for any installed package;
- from source: Updraft's own modules are compiled at import, as in a layer that ships them
  without .pyc files (Lambda's /opt is read-only, so Python cannot cache what it compiles);
  the dependencies keep the bytecode pip compiled for them.

It also lists what each handler imports that it does not need: Jinja (templates are rendered
by the worker when a task runs), the API's routes (outside the API), pendulum's locale data.
`import airflow` runs in bench/.airflow-venv (created on first use).

    python bench/cold_start.py            # 7 runs each
Writes bench/results/cold_start.json beside the table."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import AIRFLOW_VERSION, ROOT, bench_python, ensure_bench_venv, median, write_result  # noqa: E402

FUNCTIONS = ROOT / "functions"
TARGET_MS = 250
# Imported where the handler does not use them, they are dead weight on every cold start.
HEAVY = {
    "jinja2": "Jinja",
    "updraft.api.routes": "the API's routes",
    "updraft.api.app": "the API",
    "pendulum.locales.en": "pendulum's locale data",
    "updraft.execution.templates": "template rendering",
}
NEEDS = {"api": {"updraft.api.routes", "updraft.api.app"}}
# Where a handler's import time goes, besides the standard library.
THIRD_PARTY = {"updraft", "aws_lambda_powertools", "boto3", "botocore", "pendulum", "jinja2", "pydantic",
               "croniter", "yaml", "jsonschema", "dateutil"}
LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


def importtime(python: str, cwd: Path, env: dict[str, str], module: str) -> list[tuple[int, int, str]]:
    """(self µs, cumulative µs, indented name) per module imported."""
    out = subprocess.run([python, "-X", "importtime", "-c", f"import {module}"], cwd=cwd, env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"import {module} in {cwd} failed:\n{out.stderr[-2000:]}")
    rows = []
    for line in out.stderr.splitlines():
        match = LINE.match(line)
        if match:
            rows.append((int(match.group(1)), int(match.group(2)), match.group(3) + match.group(4)))
    return rows


def total_ms(rows: list[tuple[int, int, str]], module: str) -> float:
    return next(cum for _, cum, name in reversed(rows) if name.strip() == module) / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    ensure_bench_venv()
    base = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    try:
        # Updraft's package as a layer ships it: the source, no bytecode beside it.
        source_tree = base / "layer"
        shutil.copytree(ROOT / "shared" / "updraft", source_tree / "updraft",
                        ignore=shutil.ignore_patterns("__pycache__"))
        clean = {k: v for k, v in os.environ.items()
                 if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX") and not k.startswith(("AWS_", "UPDRAFT_"))}
        modes = {
            "bytecode": {**clean, "PYTHONPATH": str(ROOT / "shared"), "PYTHONPYCACHEPREFIX": str(base / "pyc")},
            "source": {**clean, "PYTHONPATH": str(source_tree), "PYTHONDONTWRITEBYTECODE": "1"},
        }
        rows = []
        for folder in sorted(p for p in FUNCTIONS.iterdir() if (p / "app.py").exists()):
            entry: dict[str, object] = {"handler": folder.name}
            importtime(sys.executable, folder, modes["bytecode"], "app")  # warm-up: writes the bytecode
            for mode, env in modes.items():
                entry[f"{mode}_ms"] = round(median([total_ms(importtime(sys.executable, folder, env, "app"), "app")
                                                    for _ in range(args.runs)]), 1)
            tree = importtime(sys.executable, folder, modes["bytecode"], "app")
            names = {name.strip() for _, _, name in tree}
            entry["unneeded_heavy"] = [label for module, label in HEAVY.items()
                                       if module in names and module not in NEEDS.get(folder.name, set())]
            children = sorted(((cum, name.strip()) for _, cum, name in tree
                               if 2 <= len(name) - len(name.lstrip()) <= 4
                               and name.strip().split(".")[0] in THIRD_PARTY), reverse=True)[:5]
            entry["largest_imports"] = [f"{name} {cum / 1000:.0f} ms" for cum, name in children]
            entry["modules"] = len(names)
            rows.append(entry)
        airflow_env = {**clean, "AIRFLOW_HOME": str(base / "airflow-home")}
        python = str(bench_python())
        importtime(python, base, airflow_env, "airflow")
        airflow_ms = round(median([total_ms(importtime(python, base, airflow_env, "airflow"), "airflow")
                                   for _ in range(args.runs)]), 1)
    finally:
        shutil.rmtree(base, ignore_errors=True)

    print(f"handler import times, median of {args.runs} (target: under {TARGET_MS} ms, nothing heavy it does not use)")
    print(f"{'handler':15} {'bytecode ms':>12} {'source ms':>10} {'modules':>8}  unneeded heavy imports / largest")
    for r in rows:
        print(f"{r['handler']:15} {r['bytecode_ms']:>12} {r['source_ms']:>10} {r['modules']:>8}  "
              f"{', '.join(r['unneeded_heavy']) or 'none'} / {'; '.join(r['largest_imports'][:3])}")
    print(f"{'import airflow':15} {airflow_ms:>12} {'':>10} {'':>8}  Apache Airflow {AIRFLOW_VERSION}, bytecode")
    slowest = max(r["bytecode_ms"] for r in rows)
    print(f"slowest handler {slowest} ms with bytecode: {airflow_ms / slowest:.0f}x faster than import airflow")
    path = write_result("cold_start", {"handlers": rows, "import_airflow_ms": airflow_ms, "runs": args.runs,
                                       "target_ms": TARGET_MS})
    print(f"wrote {path.relative_to(ROOT)}")
    return 0 if all(r["bytecode_ms"] < TARGET_MS and not r["unneeded_heavy"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
