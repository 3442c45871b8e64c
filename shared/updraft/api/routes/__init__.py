"""The `/api/v2` routes, one module per resource, each with its own Powertools `Router`."""
