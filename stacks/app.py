"""Build the whole app from its config: what ``app.py`` and the tests both call."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

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
    """Add every stack the config describes to ``app``.

    A consumer without a ``service_name`` connects to this app's provider: the service name
    flows from the provider stack (a cross-stack reference), and the provider allows the
    consumer's account.
    """
    provider = None
    if config.provider is not None:
        provider = ProviderStack(
            app,
            config.provider.stack_name,
            config=config.provider,
            allow_own_account=any(consumer.linked for consumer in config.consumers),
        )
    consumers = []
    for consumer in config.consumers:
        service_name = provider.provider.service_name if consumer.linked and provider is not None else None
        stack = ConsumerStack(app, consumer.stack_name, config=consumer, service_name=service_name)
        if consumer.linked and provider is not None:
            stack.add_stack_dependency(provider)
        consumers.append(stack)
    return BuiltApp(provider=provider, consumers=tuple(consumers))


def with_nag(app: App) -> App:
    """Run cdk-nag's AwsSolutions pack when the app synthesizes: an error fails the synth."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app
