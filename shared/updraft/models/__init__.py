"""The records the engine keeps: states, DagRuns, task instances and the messages between them."""
