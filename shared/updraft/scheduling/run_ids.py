"""Run ids as Airflow 3 writes them: `<run type>__<run_after in ISO 8601>`.

Airflow 3 names a run after `run_after` (when it may start), not its logical date.
A run with no logical date (allowed for manual runs in Airflow 3) gets a random
8-character suffix, `manual__2024-01-01T00:00:00+00:00_aB3dE9xZ`, because nothing
else makes it unique.
"""

from __future__ import annotations

import random
import string
from datetime import datetime

RUN_TYPES = ("backfill", "scheduled", "manual", "asset_triggered")

_ALPHABET = string.ascii_letters + string.digits


def run_id_for(
    run_type: str,
    logical_date: datetime | None,
    run_after: datetime,
    *,
    rng: random.Random | None = None,
) -> str:
    """Airflow's `DagRun.generate_run_id`; `rng` only makes the random suffix reproducible."""
    kind = str(getattr(run_type, "value", run_type))
    if kind not in RUN_TYPES:
        raise ValueError(f"{run_type!r} is not a valid DagRunType")
    if run_after.tzinfo is None or run_after.utcoffset() is None:
        raise ValueError(f"run_after must be timezone-aware, got {run_after!r}")
    suffix = run_after.isoformat()
    if not logical_date:
        suffix = f"{suffix}_{''.join((rng or random).choices(_ALPHABET, k=8))}"
    return f"{kind}__{suffix}"
