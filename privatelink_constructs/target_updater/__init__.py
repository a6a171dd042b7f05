"""The RDS target-group updater: infrastructure in ``construct``, the Lambda's code in ``runtime``."""

from typing import TYPE_CHECKING

from privatelink_constructs._lazy import lazy_exports

if TYPE_CHECKING:
    from .construct import METRIC_NAMESPACE, RDS_EVENT_CATEGORIES, FollowMode, RdsTargetGroupUpdater

__all__ = ["METRIC_NAMESPACE", "RDS_EVENT_CATEGORIES", "FollowMode", "RdsTargetGroupUpdater"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    dict.fromkeys(__all__, ".construct"),
)
