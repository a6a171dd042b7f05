"""privatelink-cdk: AWS PrivateLink providers and consumers as CDK constructs."""

from .connection_acceptor import ConnectionAcceptor
from .consumer import ConsumerInterfaceEndpoint
from .provider import CONNECTION_EVENTS, ProviderEndpointService, default_health_check
from .target_updater import RDS_EVENT_CATEGORIES, RdsTargetGroupUpdater

__all__ = [
    "CONNECTION_EVENTS",
    "RDS_EVENT_CATEGORIES",
    "ConnectionAcceptor",
    "ConsumerInterfaceEndpoint",
    "ProviderEndpointService",
    "RdsTargetGroupUpdater",
    "default_health_check",
]
