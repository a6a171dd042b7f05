"""The RDS target-group updater: infrastructure in ``construct``, the Lambda's code in ``runtime``."""

from .construct import RDS_EVENT_CATEGORIES, RdsTargetGroupUpdater

__all__ = ["RDS_EVENT_CATEGORIES", "RdsTargetGroupUpdater"]
