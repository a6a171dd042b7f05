"""The connection acceptor: infrastructure in ``construct``, the Lambda's code in ``runtime``."""

from typing import TYPE_CHECKING

from privatelink_constructs._lazy import lazy_exports

if TYPE_CHECKING:
    from .construct import ConnectionAcceptor

__all__ = ["ConnectionAcceptor"]

__getattr__, __dir__ = lazy_exports(__name__, {"ConnectionAcceptor": ".construct"})
