"""How users write DAGs: DAG, operators, dependencies and TaskFlow, with Airflow's names."""
