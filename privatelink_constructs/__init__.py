"""privatelink-cdk: AWS PrivateLink providers and consumers as CDK constructs.

Names are imported on first use, so ``import privatelink_constructs.<module>`` of a module that
needs no CDK (a Lambda runtime, the command line) does not load aws-cdk-lib.
"""

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

if TYPE_CHECKING:
    from .connection_acceptor import ConnectionAcceptor
    from .consumer import ConsumerInterfaceEndpoint
    from .provider import CONNECTION_EVENTS, ProviderEndpointService, default_health_check
    from .target_updater import RDS_EVENT_CATEGORIES, FollowMode, RdsTargetGroupUpdater

__all__ = [
    "CONNECTION_EVENTS",
    "RDS_EVENT_CATEGORIES",
    "ConnectionAcceptor",
    "ConsumerInterfaceEndpoint",
    "FollowMode",
    "ProviderEndpointService",
    "RdsTargetGroupUpdater",
    "default_health_check",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "CONNECTION_EVENTS": ".provider",
        "RDS_EVENT_CATEGORIES": ".target_updater.construct",
        "ConnectionAcceptor": ".connection_acceptor.construct",
        "ConsumerInterfaceEndpoint": ".consumer",
        "FollowMode": ".target_updater.construct",
        "ProviderEndpointService": ".provider",
        "RdsTargetGroupUpdater": ".target_updater.construct",
        "default_health_check": ".provider",
    },
)
