"""Runtime of the target-group updater Lambda (stdlib and boto3 only)."""
