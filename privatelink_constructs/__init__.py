"""privatelink-cdk: AWS PrivateLink providers and consumers as CDK constructs.

Names are imported on first use, so ``import privatelink_constructs.<module>`` of a module that
needs no CDK (a Lambda runtime, the command line) does not load aws-cdk-lib.
"""

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

if TYPE_CHECKING:
    from ._defaults import DEFAULT_LOG_RETENTION
    from ._function import NO_ALARM_TOPIC_WARNING, create_encryption_key
    from ._nag import acknowledge_findings, rule_ids
    from .connection_acceptor import ConnectionAcceptor
    from .consumer import ConsumerInterfaceEndpoint
    from .endpoint_probe import EndpointProbe
    from .provider import ProviderEndpointService, default_health_check
    from .rules import CONNECTION_EVENTS
    from .target_updater import RDS_EVENT_CATEGORIES, FollowMode, RdsTargetGroupUpdater
    from .template_size import TemplateSizeLimit
    from .zones import ZoneIdStack, subnets_in_zones

__all__ = [
    "CONNECTION_EVENTS",
    "DEFAULT_LOG_RETENTION",
    "NO_ALARM_TOPIC_WARNING",
    "RDS_EVENT_CATEGORIES",
    "ConnectionAcceptor",
    "ConsumerInterfaceEndpoint",
    "EndpointProbe",
    "FollowMode",
    "ProviderEndpointService",
    "RdsTargetGroupUpdater",
    "TemplateSizeLimit",
    "ZoneIdStack",
    "acknowledge_findings",
    "create_encryption_key",
    "default_health_check",
    "rule_ids",
    "subnets_in_zones",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "CONNECTION_EVENTS": ".rules",
        "DEFAULT_LOG_RETENTION": "._defaults",
        "NO_ALARM_TOPIC_WARNING": "._function",
        "RDS_EVENT_CATEGORIES": ".target_updater.construct",
        "ConnectionAcceptor": ".connection_acceptor.construct",
        "ConsumerInterfaceEndpoint": ".consumer",
        "EndpointProbe": ".endpoint_probe.construct",
        "FollowMode": ".target_updater.construct",
        "ProviderEndpointService": ".provider",
        "RdsTargetGroupUpdater": ".target_updater.construct",
        "ZoneIdStack": ".zones",
        "TemplateSizeLimit": ".template_size",
        "create_encryption_key": "._function",
        "acknowledge_findings": "._nag",
        "rule_ids": "._nag",
        "subnets_in_zones": ".zones",
        "default_health_check": ".provider",
    },
)
