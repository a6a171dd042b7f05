"""The connection acceptor: infrastructure in ``construct``, the Lambda's code in ``runtime``."""

from .construct import ConnectionAcceptor

__all__ = ["ConnectionAcceptor"]
