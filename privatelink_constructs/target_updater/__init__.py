"""The RDS target-group updater: infrastructure in ``construct``, the Lambda's code in ``runtime``."""

from typing import TYPE_CHECKING

from privatelink_constructs._lazy import lazy_exports

if TYPE_CHECKING:
    from .construct import RDS_EVENT_CATEGORIES, RdsTargetGroupUpdater

__all__ = ["RDS_EVENT_CATEGORIES", "RdsTargetGroupUpdater"]

__getattr__, __dir__ = lazy_exports(
    __name__, {"RDS_EVENT_CATEGORIES": ".construct", "RdsTargetGroupUpdater": ".construct"}
)
