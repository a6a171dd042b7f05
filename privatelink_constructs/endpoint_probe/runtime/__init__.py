"""Runtime of the endpoint probe Lambda (standard library only)."""
