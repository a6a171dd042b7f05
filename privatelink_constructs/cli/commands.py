"""The two commands, ``doctor`` and ``handoff``: gather both sides, judge, fix, probe, print.

``main`` imports this module only once boto3 is known to be installed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from .aws import (
    Clients,
    Resolver,
    StackInfo,
    UsageError,
    accept_connections,
    find_function,
    gather_consumer,
    gather_provider,
    invoke_function,
    log_group_of,
    open_session,
    read_stack,
    start_private_dns_verification,
)
from .checks import Context, run_checks
from .checks.common import aws_command, provider_ports, service_zone_ids
from .facts import ConsumerFacts, ProviderFacts, Unknown, known
from .fixes import plan_fixes
from .handoff import ConsumerNote, Handoff
from .model import Check, exit_code, failed
from .probe import TlsOptions, probe_checks, probe_request
from .report import as_json, as_text

__all__ = [
    "ClientsFactory",
    "consumer_note",
    "default_clients",
    "run_doctor",
    "run_handoff",
    "service_handoff",
]

ClientsFactory = Callable[[str | None, str | None], Clients]
"""(profile, region) -> the clients of one side."""


@dataclass(frozen=True)
class _Side:
    clients: Clients
    stack: StackInfo | None
    resource_id: str
    label: str


def _usage(message: str) -> UsageError:
    return UsageError(message)


def _open_side(  # noqa: PLR0913 - one side's lookup: where to look, how to print, both from the command line
    factory: ClientsFactory,
    *,
    stack_name: str | None,
    resource_id: str | None,
    profile: str | None,
    region: str | None,
    output: str,
    resource_type: str,
) -> _Side:

    clients = factory(profile, region)
    stack = read_stack(clients.cloudformation, stack_name, clients.region) if stack_name else None
    found = resource_id
    if found is None and stack is not None:
        found = stack.outputs.get(output) or next(iter(stack.physical_ids(resource_type)), None)
    if not found:
        raise _usage(
            f"stack {stack_name!r} has no {output} output and no {resource_type}: pass the ID directly"
        )
    label = f"{found} ({stack_name}, {clients.region})" if stack_name else f"{found} ({clients.region})"
    return _Side(clients=clients, stack=stack, resource_id=found, label=label)


def _sides(args: argparse.Namespace, factory: ClientsFactory) -> tuple[_Side | None, _Side | None]:
    if args.provider_stack and args.service_id:
        raise _usage("give --provider-stack or --service-id, not both")
    if args.consumer_stack and args.endpoint_id:
        raise _usage("give --consumer-stack or --endpoint-id, not both")
    provider = consumer = None
    if args.provider_stack or args.service_id:
        provider = _open_side(
            factory,
            stack_name=args.provider_stack,
            resource_id=args.service_id,
            profile=args.provider_profile,
            region=args.region,
            output="ServiceId",
            resource_type="AWS::EC2::VPCEndpointService",
        )
    if args.consumer_stack or args.endpoint_id:
        consumer = _open_side(
            factory,
            stack_name=args.consumer_stack,
            resource_id=args.endpoint_id,
            profile=args.consumer_profile,
            region=args.consumer_region or args.region,
            output="EndpointId",
            resource_type="AWS::EC2::VPCEndpoint",
        )
    if provider is None and consumer is None:
        raise _usage(
            "name at least one side: --provider-stack NAME or --service-id ID, and/or --consumer-stack NAME "
            "or "
            "--endpoint-id ID"
        )
    return provider, consumer


def _gather(
    provider: _Side | None,
    consumer: _Side | None,
    args: argparse.Namespace,
    resolver: Resolver,
    now: datetime,
) -> Context:

    provider_facts: ProviderFacts | None = None
    consumer_facts: ConsumerFacts | None = None
    if provider is not None:
        provider_facts = gather_provider(
            provider.clients, provider.resource_id, stack=provider.stack, resolver=resolver, now=now
        )
    if consumer is not None:
        consumer_facts = gather_consumer(
            consumer.clients, consumer.resource_id, stack=consumer.stack, peers=getattr(args, "peer", [])
        )
    return Context(now=now, provider=provider_facts, consumer=consumer_facts)


def _apply_fixes(ctx: Context, provider: _Side | None) -> list[str]:

    actions, skipped = plan_fixes(ctx)
    done: list[str] = []
    for action in actions:
        assert provider is not None
        if action.kind == "accept":
            done += accept_connections(provider.clients.ec2, action.service_id, action.endpoint_ids)
        else:
            done.append(start_private_dns_verification(provider.clients.ec2, action.service_id))
    return done + skipped or ["nothing to fix that --fix may change"]


def _probe(ctx: Context, consumer: _Side | None, args: argparse.Namespace) -> list[Check]:

    if consumer is None:
        raise _usage("--probe runs in the consumer's VPC: give --consumer-stack or --endpoint-id")
    function = args.probe_function or (
        consumer.stack.outputs.get("ProbeFunction") if consumer.stack else None
    )
    if not function and consumer.stack is not None:
        function = find_function(consumer.clients, consumer.stack, "PROBE_PORTS")
    if not function:
        raise _usage(
            "no probe function: deploy the consumer with probe: true (it outputs ProbeFunction), or pass "
            "--probe-function NAME"
        )
    tls = None
    if args.tls_server_name:
        tls = TlsOptions(args.tls_server_name, args.tls_port, args.starttls, not args.tls_no_verify)
    request = probe_request(ctx, extra_names=args.probe_name, tls=tls)
    result = invoke_function(consumer.clients.lambda_, function, request)
    if result.error is not None or not isinstance(result.payload, dict):
        reason = result.error if result.error is not None else f"unexpected answer {result.payload!r}"
        return [
            failed(
                "probe",
                "link",
                f"the probe {function} failed: {reason}",
                "read its log: "
                + aws_command(
                    f"logs tail {log_group_of(consumer.clients.lambda_, function)} --since 10m",
                    region=consumer.clients.region,
                    profile=consumer.clients.profile,
                ),
            )
        ]
    return probe_checks(result.payload, request)


def _title(provider: _Side | None, consumer: _Side | None, ctx: Context) -> str:
    parts = []
    if provider is not None:
        account = ctx.provider.account if ctx.provider else None
        parts.append(f"provider {provider.label}{', account ' + account if account else ''}")
    if consumer is not None:
        account = ctx.consumer.account if ctx.consumer else None
        parts.append(f"consumer {consumer.label}{', account ' + account if account else ''}")
    return "privatelink-cdk doctor: " + "; ".join(parts)


def run_doctor(
    args: argparse.Namespace, factory: ClientsFactory, out: TextIO, resolver: Resolver, now: datetime
) -> int:
    """Gather, check, optionally fix (then check again) and probe; print; return the exit code."""
    if args.fix and not (args.provider_stack or args.service_id):
        raise _usage("--fix changes the provider side: give --provider-stack or --service-id")
    if args.probe and not (args.consumer_stack or args.endpoint_id):
        raise _usage("--probe runs in the consumer's VPC: give --consumer-stack or --endpoint-id")
    provider, consumer = _sides(args, factory)
    ctx = _gather(provider, consumer, args, resolver, now)
    actions: list[str] = []
    if args.fix:
        actions = _apply_fixes(ctx, provider)
        if any(not line.startswith(("not ", "nothing ")) for line in actions):
            ctx = _gather(provider, consumer, args, resolver, now)
    checks = run_checks(ctx)
    if args.probe:
        checks += _probe(ctx, consumer, args)
    if args.json:
        out.write(as_json(checks, actions=actions))
    else:
        out.write(as_text(checks, title=_title(provider, consumer, ctx), actions=actions))
    return exit_code(checks)


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def service_handoff(ctx: Context, alias_names: Sequence[str]) -> Handoff:
    """What a provider gives a consumer, from the provider's facts."""
    facts, service = ctx.provider, ctx.service
    if facts is None or service is None:
        reason = (
            facts.service.reason if facts is not None and isinstance(facts.service, Unknown) else "not found"
        )
        raise _usage(f"cannot read the endpoint service: {reason}")
    aliases = list(alias_names)
    if service.private_dns_name and service.private_dns_state != "verified":
        aliases.append(service.private_dns_name)
    return Handoff(
        service_name=service.service_name,
        region=facts.region,
        ports=provider_ports(ctx),
        availability_zone_ids=service_zone_ids(ctx) or (),
        supported_regions=tuple(sorted(service.supported_regions)),
        private_dns_name=service.private_dns_name,
        private_dns_state=service.private_dns_state if service.private_dns_name else None,
        names_to_alias=tuple(dict.fromkeys(name.rstrip(".").lower() for name in aliases)),
        acceptance_required=service.acceptance_required,
        supported_ip_address_types=service.supported_ip_address_types or ("ipv4",),
        provider_account=facts.account,
    )


def consumer_note(ctx: Context) -> ConsumerNote:
    """What a consumer gives back to the provider, from the consumer's facts."""
    facts = ctx.consumer
    endpoint = known(facts.endpoint) if facts is not None and facts.endpoint is not None else None
    if facts is None or endpoint is None:
        raise _usage(
            "cannot read the interface endpoint: check --endpoint-id/--consumer-stack and the profile"
        )
    account = endpoint.owner or facts.account or ""
    zone_ids = known(facts.zone_ids) or {}
    subnets = [s for s in known(facts.subnets) or () if s.subnet_id in endpoint.subnet_ids]
    return ConsumerNote(
        endpoint_id=endpoint.endpoint_id,
        account=account,
        principal=f"arn:{_partition(facts.region)}:iam::{account}:root",
        region=facts.region,
        service_name=endpoint.service_name,
        availability_zone_ids=tuple(
            sorted({s.availability_zone_id or zone_ids.get(s.availability_zone, "") for s in subnets} - {""})
        ),
        state=endpoint.state,
    )


def run_handoff(
    args: argparse.Namespace, factory: ClientsFactory, out: TextIO, resolver: Resolver, now: datetime
) -> int:
    """Print the provider's handoff or the consumer's note."""
    provider, consumer = _sides(args, factory)
    if provider is not None and consumer is not None:
        raise _usage("handoff describes one side: give the provider's or the consumer's, not both")
    ctx = _gather(provider, consumer, args, resolver, now)
    document = service_handoff(ctx, args.alias_name).to_json() if provider else consumer_note(ctx).to_json()
    out.write(document)
    return 0


def default_clients(profile: str | None, region: str | None) -> Clients:
    """The clients of one side, from a named profile (or the default chain) and region."""
    return Clients.from_session(open_session(profile, region), profile)
