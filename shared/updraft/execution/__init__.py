"""Running one task instance: its DAG file, its context, its templates, its log."""
