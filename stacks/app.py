"""Build the whole app from its config: what ``app.py`` and the tests both call."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import App, Validations

from . import link
from .config import AppConfig
from .consumer_stack import ConsumerStack
from .provider_stack import ProviderStack

__all__ = ["BuiltApp", "build_app", "with_nag"]


@dataclass(frozen=True)
class BuiltApp:
    """The stacks ``build_app`` added."""

    provider: ProviderStack | None
    consumers: tuple[ConsumerStack, ...]


def build_app(app: App, config: AppConfig) -> BuiltApp:
    """Add every stack the config describes to ``app``; ``link`` wires linked consumers."""
    provider = None
    if config.provider is not None:
        provider = ProviderStack(app, config.provider.stack_name, config=config.provider)
    consumers = tuple(link.consumer_stack(app, consumer, provider) for consumer in config.consumers)
    return BuiltApp(provider=provider, consumers=consumers)


def with_nag(app: App) -> App:
    """Run cdk-nag's AwsSolutions pack when the app synthesizes: an error fails the synth.

    cdk-nag is imported here, so an app that runs no pack does not pay for loading it.
    """
    from cdk_nag import AwsSolutionsChecks  # noqa: PLC0415 - loaded only when a pack runs

    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app
