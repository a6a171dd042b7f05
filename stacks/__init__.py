"""The deployable stacks of the privatelink-cdk app and their typed config."""

from .app import BuiltApp, build_app, with_nag
from .config import AppConfig, ConfigError, load_config, parse_config
from .consumer_stack import ConsumerStack
from .provider_stack import ProviderStack

__all__ = [
    "AppConfig",
    "BuiltApp",
    "ConfigError",
    "ConsumerStack",
    "ProviderStack",
    "build_app",
    "load_config",
    "parse_config",
    "with_nag",
]
