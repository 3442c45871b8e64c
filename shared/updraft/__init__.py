"""Updraft: Apache Airflow's way of writing data pipelines, on a serverless AWS stack."""
