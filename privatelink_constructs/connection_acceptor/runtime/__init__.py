"""Runtime of the connection acceptor Lambda (stdlib and boto3 only)."""
