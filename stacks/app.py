"""Build the whole app from its config: what ``app.py`` and the tests both call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import App

from . import compliance, link
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
    compliance.skip_core_provider_checks(app)
    return BuiltApp(provider=provider, consumers=consumers)


def with_nag(app: App, packs: Sequence[str] = compliance.DEFAULT_PACKS) -> App:
    """Run cdk-nag ``packs`` (AwsSolutions by default) when the app synthesizes: a finding fails the synth.

    Each synth that runs packs writes ``compliance-report.json`` into the app's output directory
    (``stacks.compliance``). cdk-nag is imported only when a pack runs.
    """
    compliance.run_packs(app, packs)
    return app
