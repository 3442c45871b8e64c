"""Hooks: clients for external systems, made from a connection id (Airflow's `BaseHook`)."""

from updraft.hooks.base import BaseHook

__all__ = ["BaseHook"]
