"""The endpoint probe: infrastructure in ``construct``, the Lambda's code in ``runtime``."""

from typing import TYPE_CHECKING

from privatelink_constructs._lazy import lazy_exports

if TYPE_CHECKING:
    from .construct import EndpointProbe

__all__ = ["EndpointProbe"]

__getattr__, __dir__ = lazy_exports(__name__, {"EndpointProbe": ".construct"})
