"""Extract orders from a CSV file (or an HTTP source), convert them to one currency, and load
them into SQLite, passing the data between tasks by XCom."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import dag, task

RATES_TO_EUR = {"EUR": 1.0, "USD": 0.92, "GBP": 1.17}


@dag(
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example", "etl"],
    default_args={"owner": "data-eng", "retries": 1, "retry_delay": timedelta(seconds=5)},
)
def example_etl():
    """### Orders ETL
    Reads `data/orders.csv` next to this file — or the URL in the `ORDERS_URL` environment
    variable — keeps valid orders, converts amounts to EUR and loads them into SQLite at
    `ORDERS_DB` (default: `orders.sqlite` in the system's temporary folder)."""

    @task
    def extract() -> list[dict]:
        url = os.environ.get("ORDERS_URL")
        if url:
            with urllib.request.urlopen(url, timeout=30) as response:
                text = response.read().decode()
        else:
            text = (Path(__file__).parent / "data" / "orders.csv").read_text()
        rows = list(csv.DictReader(io.StringIO(text)))
        print(f"extracted {len(rows)} orders")
        return rows

    @task
    def transform(rows: list[dict]) -> list[dict]:
        clean = []
        for row in rows:
            amount = float(row["amount"])
            if amount <= 0:
                print(f"dropping order {row['order_id']}: amount {amount}")
                continue
            clean.append({
                "order_id": int(row["order_id"]),
                "customer": row["customer"],
                "amount_eur": round(amount * RATES_TO_EUR[row["currency"]], 2),
                "ordered_at": row["ordered_at"],
            })
        return clean

    @task
    def load(orders: list[dict], ds=None) -> int:
        db = os.environ.get("ORDERS_DB") or os.path.join(
            os.environ.get("TMPDIR", "/tmp"), "orders.sqlite"
        )
        with sqlite3.connect(db) as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS orders (order_id INTEGER PRIMARY KEY, customer TEXT,"
                " amount_eur REAL, ordered_at TEXT, loaded_for TEXT)"
            )
            conn.executemany(
                "INSERT OR REPLACE INTO orders VALUES (:order_id, :customer, :amount_eur,"
                " :ordered_at, :ds)",
                [{**o, "ds": ds} for o in orders],
            )
        print(f"loaded {len(orders)} orders into {db}")
        return len(orders)

    report = BashOperator(
        task_id="report",
        bash_command="echo 'loaded {{ ti.xcom_pull(task_ids=\"load\") }} orders for {{ ds }}'",
    )
    load(transform(extract())) >> report


example_etl()
