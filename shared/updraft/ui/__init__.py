"""The web UI: its page, script and styles (served by updraft.api.web)."""
