"""The deployable stacks of the privatelink-cdk app and their typed config."""

from .app import build_app, with_nag
from .config import AppConfig, ConfigError, load_config, parse_config
from .provider_stack import ProviderStack

__all__ = [
    "AppConfig",
    "ConfigError",
    "ProviderStack",
    "build_app",
    "load_config",
    "parse_config",
    "with_nag",
]
