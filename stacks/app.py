"""Build the whole app from its config: what ``app.py`` and the tests both call."""

from __future__ import annotations

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from .config import AppConfig
from .provider_stack import ProviderStack

__all__ = ["build_app", "with_nag"]


def build_app(app: App, config: AppConfig) -> ProviderStack:
    """Add every stack the config describes to ``app``."""
    return ProviderStack(app, config.provider.stack_name, config=config.provider)


def with_nag(app: App) -> App:
    """Run cdk-nag's AwsSolutions pack when the app synthesizes: an error fails the synth."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app
