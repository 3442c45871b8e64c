"""The `updraft` command line, with Airflow's verbs."""
