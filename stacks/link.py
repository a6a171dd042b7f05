"""How the app's stacks connect: the one place that knows what a linked consumer is.

A consumer without a ``service_name`` is *linked*: it connects to this app's own provider.
Linking means four things, all decided here:

- the consumer's stack name (``ConsumerStack``, or ``ConsumerStack-<name>`` among several) and,
  unless it names its own, the provider's ports;
- what must hold for the link to deploy (same account and region as the provider, ports the
  provider has, a provider private DNS name before private DNS can be switched on);
- the wiring: the consumer reads the provider stack's ``ServiceName`` output at deploy time
  (``Fn::GetStackOutput``), the provider allows the consumer's account and accepts its
  requests automatically (unless ``provider.auto_accept_linked_consumers`` is false), and the
  consumer deploys second.

The other way to connect, a handoff file from another app (``from_handoff``), is
``stacks/handoff.py``: it fills the consumer's config from the file and checks the rest against it.
The rules on a consumer and its service that both modes need are the library's, used by both
(``rules.check_service_ports``, ``rules.check_private_dns_offered``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aws_cdk import App, Fn

from privatelink_constructs import rules
from privatelink_constructs.rules import Problem

from .consumer_stack import ConsumerStack
from .provider_stack import ProviderStack

if TYPE_CHECKING:
    from .config import AppConfig, ConsumerConfig

__all__ = ["allowed_principals", "consumer_stack", "problems", "resolve", "stack_name"]

_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}", re.ASCII)


def stack_name(consumer: ConsumerConfig, index: int, count: int) -> str:
    """The consumer's stack name: its own, ``ConsumerStack`` alone, else ``ConsumerStack-<name>``."""
    if consumer.stack_name is not None:
        return consumer.stack_name
    return "ConsumerStack" if count == 1 else f"ConsumerStack-{consumer.name or index}"


def problems(config: AppConfig) -> list[Problem]:
    """Everything that would stop the app's stacks from deploying together."""
    found: list[Problem] = []
    names: dict[str, str] = {}
    if config.provider is not None:
        names[config.provider.stack_name] = "provider.stack_name"
    count = len(config.consumers)
    for index, consumer in enumerate(config.consumers):
        where = f"consumers[{index}]"
        if count > 1 and consumer.name is None and consumer.stack_name is None:
            found.append(
                Problem(f"{where}.name", "required when there are several consumers (it names the stack)")
            )
        name = stack_name(consumer, index, count)
        if name in names:
            found.append(
                Problem(f"{where}.stack_name", f"{name!r} is already the stack name of {names[name]}")
            )
        names.setdefault(name, f"{where}.stack_name")
        if consumer.linked:
            found += _link_problems(config, consumer, where)
    for name, where in names.items():
        if not _valid_stack_name(name):
            found.append(
                Problem(
                    where,
                    f"{name!r} is not a stack name: letters, digits and hyphens, starting with a letter",
                )
            )
    return found


def _valid_stack_name(name: str) -> bool:
    return _STACK_NAME.fullmatch(name) is not None


def allowed_principals(config: AppConfig) -> tuple[str, ...]:
    """Whom the provider allows once linked: its own list, plus its account for linked consumers.

    The account is known only when ``provider.env.account`` names it.
    """
    provider = config.provider
    if provider is None:
        return ()
    own = (
        (provider.env.account,)
        if provider.env.account is not None and any(consumer.linked for consumer in config.consumers)
        else ()
    )
    return (*provider.allowed_principals, *own)


def _link_problems(config: AppConfig, consumer: ConsumerConfig, where: str) -> list[Problem]:
    provider = config.provider
    if provider is None:
        return [Problem(f"{where}.service_name", "required, since this app has no provider section")]
    found = []
    if consumer.env != provider.env:
        found.append(
            Problem(
                f"{where}.service_name",
                "required when the consumer's env differs from the provider's "
                "(a cross-stack reference works within one account and region)",
            )
        )
    found += rules.check_service_ports(
        consumer.ports, provider.ports, service="this app's provider", argument=f"{where}.ports"
    )
    found += rules.check_zone_overlap(
        consumer.vpc.availability_zone_ids,
        provider.vpc.availability_zone_ids,
        argument=f"{where}.vpc.availability_zone_ids",
        service_argument="provider.vpc.availability_zone_ids",
    )
    found += rules.check_private_dns_offered(
        consumer.private_dns_enabled,
        service="this app's provider",
        name=provider.private_dns_name,
        usable=provider.private_dns_name is not None,
        remedy="set provider.private_dns_name, or use private_hosted_zone",
        argument=f"{where}.private_dns_enabled",
    )
    return found


def resolve(config: AppConfig) -> AppConfig:
    """The config with every consumer's stack name filled in, and linked consumers' ports."""
    count = len(config.consumers)
    consumers = []
    for index, consumer in enumerate(config.consumers):
        update: dict[str, object] = {"stack_name": stack_name(consumer, index, count)}
        if consumer.linked and not consumer.ports and config.provider is not None:
            update["ports"] = config.provider.ports
        consumers.append(consumer.model_copy(update=update))
    return config.model_copy(update={"consumers": tuple(consumers)})


def consumer_stack(app: App, consumer: ConsumerConfig, provider: ProviderStack | None) -> ConsumerStack:
    """Build one consumer stack, wired to ``provider`` when it is linked."""
    assert consumer.stack_name is not None, "resolve() the config first"
    if not consumer.linked or provider is None:
        return ConsumerStack(app, consumer.stack_name, config=consumer)
    stack = ConsumerStack(
        app,
        consumer.stack_name,
        config=consumer,
        # The provider's own ServiceName output, read at deploy time (same account and region).
        service_name=Fn.get_stack_output(provider.stack_name, ProviderStack.SERVICE_NAME_OUTPUT),
        provider_dns_name=provider.provider.private_dns_name,
        service_zone_ids=provider.provider.availability_zone_ids or (),
    )
    own_account = f"arn:{provider.partition}:iam::{provider.account}:root"
    if own_account not in provider.provider.allowed_principals:
        provider.provider.add_allowed_principals(own_account)
    # The app deploys both sides: its own endpoint is accepted as soon as it asks.
    accept = provider.config.auto_accept_linked_consumers is not False
    if accept and provider.account not in provider.provider.auto_accept_principals:
        provider.provider.add_auto_accept_principals(provider.account)
        provider.publish_acceptor()
    stack.add_stack_dependency(provider)
    return stack
