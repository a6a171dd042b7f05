"""privatelink-cdk: AWS PrivateLink providers and consumers as CDK constructs."""

from .connection_acceptor import ConnectionAcceptor
from .consumer import ConsumerInterfaceEndpoint
from .provider import CONNECTION_EVENTS, ProviderEndpointService, default_health_check

__all__ = [
    "CONNECTION_EVENTS",
    "ConnectionAcceptor",
    "ConsumerInterfaceEndpoint",
    "ProviderEndpointService",
    "default_health_check",
]
