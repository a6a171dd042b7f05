"""ProviderEndpointService: an internal NLB in front of a TCP service, published with PrivateLink."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import jsii
from aws_cdk import (
    Annotations,
    ArnFormat,
    Aws,
    CfnMapping,
    Duration,
    Fn,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_sns as sns
from aws_cdk import custom_resources as cr
from aws_cdk.region_info import RegionInfo
from constructs import Construct, IValidation

from . import _patterns
from ._defaults import DEFAULT_LOG_RETENTION
from ._function import acknowledge_inline_policy, create_encryption_key
from ._nag import (
    AWS_SOLUTIONS,
    HIPAA,
    NIST_800_53_R5,
    PCI_DSS_321,
    SERVERLESS,
    acknowledge_findings,
    rule_ids,
)
from ._network import cidr_peer, closed_security_group, one_private_subnet_per_az, selected
from ._tokens import is_unresolved
from .connection_acceptor.construct import ConnectionAcceptor
from .rules import (
    CONNECTION_EVENTS,
    SECURITY_GROUP_RULES_QUOTA,
    SERVICE_IP_ADDRESS_TYPES,
    TARGET_TYPES,
    Problem,
    check_auto_accept_allowed,
    check_choice,
    check_choices,
    check_cidrs,
    check_deregistration_delay,
    check_egress_rules,
    check_health_check,
    check_ip_address_types,
    check_open_to_all,
    check_ports,
    check_principal_partitions,
    check_principals,
    check_private_dns,
    check_region_partitions,
    check_regions,
    check_rule_quota,
    check_topic_arn,
    is_open_to_all,
    partition_of,
    raise_if_problems,
    to_principal_arn,
)
from .template_size import enforce_template_size_limit
from .zones import zone_ids_of

if TYPE_CHECKING:
    from aws_cdk import aws_s3 as s3

__all__ = [
    "CONNECTION_EVENTS",
    "OPEN_TO_EVERY_ACCOUNT_WARNING",
    "SERVICE_IP_ADDRESS_TYPES",
    "ProviderEndpointService",
    "default_health_check",
    "service_name_prefix",
]

METRICS_NAMESPACE = "AWS/PrivateLinkServices"
"""Where AWS PrivateLink publishes an endpoint service's metrics, by ``Service Id``."""

OPEN_TO_EVERY_ACCOUNT_WARNING = "@privatelink-cdk/provider:openToEveryAccount"
"""The warning on a service every AWS account may connect to without review (acknowledgeable)."""

_TARGET_PARTITIONS = "@aws-cdk/core:target-partitions"


def default_health_check(
    *,
    protocol: elbv2.Protocol = elbv2.Protocol.TCP,
    port: str = "traffic-port",
    path: str | None = None,
    interval: Duration | None = None,
    timeout: Duration | None = None,
    healthy_threshold_count: int = 2,
    unhealthy_threshold_count: int = 2,
) -> elbv2.HealthCheck:
    """The health check every port gets unless told otherwise; arguments replace single defaults.

    TCP on the traffic port every 10 seconds (``interval``); 2 failures mark a target unhealthy,
    2 successes healthy. ``path`` is for HTTP(S) checks; ``timeout`` defaults to ELB's.
    """
    return elbv2.HealthCheck(
        protocol=protocol,
        port=port,
        path=path,
        interval=interval or Duration.seconds(10),
        timeout=timeout,
        healthy_threshold_count=healthy_threshold_count,
        unhealthy_threshold_count=unhealthy_threshold_count,
    )


@jsii.implements(ec2.IConnectable)
class ProviderEndpointService(Construct):
    """Expose a TCP service to other AWS accounts with PrivateLink, safely by default.

    Builds an internal Network Load Balancer with one TCP listener and one target group per port,
    a VPC endpoint service on it, the allowlist of consumer principals, and optionally a private
    DNS name (with domain verification), connection notifications and an auto-acceptor.

    Defaults follow what managed-database vendors require of a PrivateLink NLB: cross-zone load
    balancing on (a single-AZ database stays reachable from every endpoint AZ), proxy protocol v2
    and client-IP preservation off for IP targets, connection requests waiting for acceptance.

    The NLB gets its own security group (an NLB can only get one when it is created). Its egress
    is limited to the VPC's CIDR on the service ports; allow more with ``target_cidrs`` or
    ``connections``. Inbound rules are not evaluated for PrivateLink traffic unless
    ``enforce_security_group_inbound_rules_on_private_link_traffic`` is True.

    Changing principals, ports, regions or notifications updates the service in place: the
    endpoint service and the NLB keep their logical IDs and are never replaced, so the
    service name that consumers hold stays the same.
    """

    load_balancer: elbv2.NetworkLoadBalancer
    """The internal Network Load Balancer."""
    listeners: Mapping[int, elbv2.NetworkListener]
    """The TCP listener of each port."""
    target_groups: Mapping[int, elbv2.NetworkTargetGroup]
    """The target group of each port: register the service's targets here."""
    security_group: ec2.SecurityGroup
    """The NLB's security group."""
    subnets: ec2.SelectedSubnets
    """The subnets the NLB's nodes are in: the zones consumers can connect in."""
    availability_zone_ids: tuple[str, ...] | None
    """The NLB's zone IDs, when its VPC was built from zone IDs (see ``zones``); else None.

    Consumers need them: PrivateLink connects only in zones both sides are in."""
    endpoint_service: ec2.CfnVPCEndpointService
    """The VPC endpoint service."""
    service_id: str
    """The endpoint service's ID (``vpce-svc-...``)."""
    service_arn: str
    """The endpoint service's ARN, for IAM policies."""
    ports: tuple[int, ...]
    """The service's TCP ports, in the order given."""
    notification_topic: sns.ITopic | None
    """The topic receiving connection notifications, when notifications are on."""
    acceptor: ConnectionAcceptor | None
    """The auto-acceptor, when ``auto_accept_principals`` is given."""
    encryption_key: kms.IKey | None
    """The KMS key of the topic and the Lambdas' logs: the one given, or one created when needed."""
    private_dns_name: str | None
    """The name consumers resolve to reach the service, when one is set."""
    private_dns_verification_name: str | None
    """The TXT record name AWS checks for domain ownership, when a private DNS name is set."""
    private_dns_verification_value: str | None
    """The TXT record value AWS checks for domain ownership, when a private DNS name is set."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        ports: Sequence[int],
        allowed_principals: Sequence[str] = (),
        allow_all_principals: bool = False,
        acceptance_required: bool = True,
        allow_all_principals_without_acceptance: bool = False,
        auto_accept_principals: Sequence[str] = (),
        subnets: ec2.SubnetSelection | None = None,
        target_type: elbv2.TargetType = elbv2.TargetType.IP,
        health_check: elbv2.HealthCheck | None = None,
        health_checks: Mapping[int, elbv2.HealthCheck] | None = None,
        cross_zone_enabled: bool = True,
        proxy_protocol_v2: bool = False,
        preserve_client_ip: bool | None = None,
        deregistration_delay: Duration | None = None,
        connection_termination: bool = False,
        enforce_security_group_inbound_rules_on_private_link_traffic: bool = False,
        target_cidrs: Sequence[str] = (),
        allow_broad_cidrs: bool = False,
        security_group_rule_quota: int = SECURITY_GROUP_RULES_QUOTA,
        ip_address_type: elbv2.IpAddressType = elbv2.IpAddressType.IPV4,
        deletion_protection: bool = False,
        access_logs_bucket: s3.IBucket | None = None,
        access_logs_prefix: str | None = None,
        allowed_regions: Sequence[str] = (),
        supported_ip_address_types: Sequence[str] = ("ipv4",),
        contributor_insights: bool = False,
        private_dns_name: str | None = None,
        public_hosted_zone: route53.IPublicHostedZone | None = None,
        connection_notifications: bool = False,
        notification_topic: sns.ITopic | None = None,
        notification_events: Sequence[str] = CONNECTION_EVENTS,
        encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays = DEFAULT_LOG_RETENTION,
        removal_policy: RemovalPolicy | None = None,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        """Create the NLB, listeners, target groups and endpoint service.

        :param vpc: The VPC of the NLB (and of IP or instance targets).
        :param ports: TCP ports to expose: one listener and one target group each, 1 to 50 ports.
        :param allowed_principals: Who may connect: 12-digit account IDs (made into
            ``arn:<partition>:iam::<id>:root``) or IAM ARNs of an account root, role or user
            (without a path: the service takes none), all in the stack's partition (in one
            partition, when the stack's region is not concrete). Defaults to nobody: connection
            requests are refused until a principal is allowed (here or with
            ``add_allowed_principals``).
        :param allow_all_principals: Must be True for ``*`` to be accepted in ``allowed_principals``.
        :param acceptance_required: Whether each connection request waits for acceptance.
            Defaults to True.
        :param allow_all_principals_without_acceptance: Must be True as well for ``*`` with
            ``acceptance_required=False``: every AWS account could then connect with no decision.
            Even so, the construct carries a warning. Defaults to False.
        :param auto_accept_principals: 12-digit account IDs whose pending requests a small Lambda
            accepts as soon as the ``Connect`` notification arrives. Every other request stays
            pending for a human; nothing is ever rejected automatically. Turns connection
            notifications on. Each account must be allowed to connect (``*``, its ID or its root
            ARN among the allowed principals, checked at synth so that ``add_allowed_principals``
            counts). Defaults to none (no Lambda).
        :param subnets: Where the NLB's nodes go. Defaults to one private or isolated subnet per AZ.
            With a VPC built from zone IDs, ``zones.subnets_in_zones([...])`` picks them by ID.
        :param target_type: IP (default), INSTANCE or ALB.
        :param health_check: The health check of every port. Defaults to
            ``default_health_check()``: TCP on the traffic port every 10 seconds, 2 checks to
            change state.
        :param health_checks: Per-port overrides of ``health_check``, keyed by port.
        :param cross_zone_enabled: Cross-zone load balancing. Defaults to on.
        :param proxy_protocol_v2: Prepend proxy protocol v2 headers. Defaults to off (databases
            do not speak it).
        :param preserve_client_ip: Client IP preservation. Defaults to off for IP targets (as the
            managed-database vendors require) and to the ELB default for other target types.
        :param deregistration_delay: How long a deregistered target keeps its connections.
            Defaults to the ELB default of 300 seconds.
        :param connection_termination: Close connections to a deregistered target at the end of
            the deregistration delay. Defaults to off.
        :param enforce_security_group_inbound_rules_on_private_link_traffic: Evaluate the NLB
            security group's inbound rules for PrivateLink traffic. Defaults to off. When on,
            consumer traffic arrives from the consumers' endpoint addresses, which the provider
            does not know and which may overlap; every connection through PrivateLink then times
            out unless an inbound rule allows its source. Turn it on only with rules for the
            consumers' CIDRs.
        :param target_cidrs: CIDRs outside the VPC where targets live (a peered VPC, on-premises):
            the NLB's security group may reach them on the service and health-check ports. Each
            must be canonical (``10.1.0.0/16``, not ``10.1.2.3/16``); ``/0`` is refused, and so
            are prefixes shorter than /8 (IPv4) or /16 (IPv6) unless ``allow_broad_cidrs``.
            Defaults to none: targets in the VPC only.
        :param allow_broad_cidrs: Accept ``target_cidrs`` shorter than /8 (IPv4) or /16 (IPv6),
            nearly every address. Defaults to False.
        :param security_group_rule_quota: Your account's VPC quota of outbound rules per security
            group (per IP version). The NLB's egress rules (every target network on every service
            and health-check port) must fit, or the deploy would fail. Defaults to AWS's default, 60.
        :param ip_address_type: IPV4 (default) or DUAL_STACK, which IPv6 consumers need.
        :param deletion_protection: Protect the NLB from deletion. Defaults to off, as in
            aws-cdk-lib, so that a stack destroys in one step; turn it on for a service
            consumers depend on (they hold its name). Left off, the HIPAA and NIST packs report
            it: the library does not decide it for you.
        :param access_logs_bucket: Bucket for NLB access logs. NLBs log TLS listeners only, so
            with this construct's TCP listeners the logs stay empty; needs a stack with a
            concrete region. Defaults to no access logs.
        :param access_logs_prefix: Key prefix of the access logs. Defaults to none.
        :param allowed_regions: Other regions whose consumers may connect (cross-region
            PrivateLink). Defaults to this region only.
        :param supported_ip_address_types: ``ipv4`` and/or ``ipv6``; ``ipv6`` needs a DUAL_STACK
            NLB. Defaults to ``ipv4``.
        :param contributor_insights: Publish the service's contributor insights rules. Defaults
            to off.
        :param private_dns_name: The name consumers resolve to reach the service (``db.example.com``).
            Defaults to none: consumers use the endpoint's own DNS names.
        :param public_hosted_zone: The public zone that holds ``private_dns_name``. When given, the
            domain-ownership TXT record is written there and verification is started. Without it,
            create the record from ``private_dns_verification_name``/``_value`` yourself.
        :param connection_notifications: Send connection notifications to a new KMS-encrypted,
            SSL-only topic. Defaults to off; implied by ``notification_topic`` and
            ``auto_accept_principals``.
        :param notification_topic: Send connection notifications to this topic instead. Its
            policy (and key policy, if encrypted) must let ``vpce.amazonaws.com`` publish. An
            imported topic's ARN must be an SNS topic's in the stack's partition and, when the
            auto-acceptor subscribes to it, of the stack's account (when both are concrete).
        :param notification_events: Which events to send. Defaults to all four.
        :param encryption_key: The KMS key of the new notification topic and of the Lambdas' log
            groups (one key per stack is enough). Its policy must let CloudWatch Logs of this
            region use it; statements for ``vpce.amazonaws.com`` are added when the key belongs
            to this app. Defaults to a new key (rotation on), created only when needed.
        :param log_retention: Retention of the Lambdas' logs. Defaults to three months.
        :param removal_policy: What happens to the KMS key and log groups this construct creates
            when they leave the stack. Defaults to keeping the key (a deleted key makes whatever
            it encrypted unreadable) and the auto-acceptor's log group (the only record of what it
            accepted); other log groups are deleted.
        :param alarm_topic: Where the auto-acceptor's alarms go. Defaults to none: the alarms
            notify nobody, and a warning says so.
        """
        super().__init__(scope, construct_id)
        health_checks = dict(health_checks or {})
        stack = Stack.of(self)
        raise_if_problems(
            self,
            [
                *check_ports(ports),
                *check_principals(allowed_principals, argument="allowed_principals"),
                *check_open_to_all(
                    allowed_principals,
                    allow_all=allow_all_principals,
                    acceptance_required=acceptance_required,
                    allow_all_without_acceptance=allow_all_principals_without_acceptance,
                ),
                *check_principal_partitions(allowed_principals, partition=partition_of(stack.region)),
                *check_principals(
                    auto_accept_principals, argument="auto_accept_principals", allow_arns=False
                ),
                *_topic_problems(notification_topic, stack, subscribed=bool(auto_accept_principals)),
                *check_choice(target_type, argument="target_type", allowed=tuple(TARGET_TYPES.values())),
                *_health_check_problems(ports, health_check, health_checks),
                *check_regions(allowed_regions, argument="allowed_regions"),
                *check_region_partitions(
                    allowed_regions, partition=partition_of(stack.region), argument="allowed_regions"
                ),
                *check_ip_address_types(
                    supported_ip_address_types, dualstack=ip_address_type != elbv2.IpAddressType.IPV4
                ),
                *check_private_dns(
                    private_dns_name, public_hosted_zone.zone_name if public_hosted_zone else None
                ),
                *check_choices(
                    notification_events, argument="notification_events", allowed=CONNECTION_EVENTS
                ),
                *check_cidrs(target_cidrs, argument="target_cidrs", allow_broad=allow_broad_cidrs),
                *_egress_rule_problems(
                    ports, health_check, health_checks, target_cidrs, quota=security_group_rule_quota
                ),
                *check_deregistration_delay(
                    deregistration_delay.to_seconds() if deregistration_delay else None
                ),
                *_access_logs_problems(access_logs_bucket, stack.region),
            ],
        )
        self.ports = tuple(ports)
        self.encryption_key = encryption_key
        self.private_dns_name = private_dns_name
        self._removal_policy = removal_policy
        self._alarm_topic = alarm_topic
        self._log_retention = log_retention

        self._add_load_balancer(
            vpc,
            subnets=subnets,
            cross_zone_enabled=cross_zone_enabled,
            deletion_protection=deletion_protection,
            ip_address_type=ip_address_type,
            enforce_inbound_rules=enforce_security_group_inbound_rules_on_private_link_traffic,
            access_logs_bucket=access_logs_bucket,
            access_logs_prefix=access_logs_prefix,
        )
        self._add_ports(
            vpc,
            target_type=target_type,
            health_checks={
                port: health_checks.get(port, health_check or default_health_check()) for port in ports
            },
            proxy_protocol_v2=proxy_protocol_v2,
            preserve_client_ip=(
                False
                if preserve_client_ip is None and target_type == elbv2.TargetType.IP
                else preserve_client_ip
            ),
            deregistration_delay=deregistration_delay,
            connection_termination=connection_termination,
            target_cidrs=target_cidrs,
        )
        self._add_endpoint_service(
            acceptance_required=acceptance_required,
            contributor_insights=contributor_insights,
            supported_ip_address_types=supported_ip_address_types,
            allowed_regions=allowed_regions,
        )
        self._acceptance_required = acceptance_required
        self._allow_all_without_acceptance = allow_all_principals_without_acceptance
        self._add_permissions(allowed_principals, allow_all=allow_all_principals)
        self._add_notifications(
            enabled=connection_notifications or bool(auto_accept_principals),
            topic=notification_topic,
            events=[*notification_events, *(["Connect"] if auto_accept_principals else [])],
        )
        self._auto_accept = list(auto_accept_principals)
        self.acceptor = self._add_acceptor(self._auto_accept)
        self._add_private_dns(public_hosted_zone)
        self.node.add_validation(_AcceptsOnlyAllowed(self))
        enforce_template_size_limit(self)

    @property
    def connections(self) -> ec2.Connections:
        """The NLB's security group, to allow it to reach targets outside the VPC."""
        return self.load_balancer.connections

    def add_allowed_principals(self, *principals: str) -> None:
        """Allow more principals to connect: 12-digit account IDs or IAM ARNs (root, role, user).

        Takes effect on the next deploy, in place (the service keeps its name). ``*`` is refused
        here: pass ``allow_all_principals=True`` at construction to mean it.
        """
        every = [*self._principals, *principals]
        stack = Stack.of(self)
        raise_if_problems(
            self,
            [
                *check_principals(every, argument="allowed_principals"),
                *check_open_to_all(
                    every,
                    allow_all=self._allow_all,
                    acceptance_required=self._acceptance_required,
                    allow_all_without_acceptance=self._allow_all_without_acceptance,
                ),
                *check_principal_partitions(every, partition=partition_of(stack.region)),
            ],
        )
        self._principals.extend(principals)
        self._permissions.allowed_principals = [
            to_principal_arn(p, stack.partition) for p in self._principals
        ]
        self._warn_if_open_to_all()

    @property
    def allowed_principals(self) -> tuple[str, ...]:
        """The principals allowed to connect, as given (account IDs or ARNs)."""
        return tuple(self._principals)

    def grant_accept_connections(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` accept connection requests to this service (and to no other).

        Grants ``ec2:AcceptVpcEndpointConnections`` on this service's ARN. Finding pending
        requests (``ec2:DescribeVpcEndpointConnections``) supports no resource-level
        permission; grant it separately where needed.
        """
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["ec2:AcceptVpcEndpointConnections"], resource_arns=[self.service_arn]
        )

    @functools.cached_property
    def service_name(self) -> str:
        """What consumers connect to: ``com.amazonaws.vpce.<region>.vpce-svc-...`` (``cn.com...`` in China).

        Made on first use: in an environment-agnostic stack whose target partitions disagree on
        the prefix, it adds a mapping keyed by partition, which a stack that never uses the name
        should not carry (CloudFormation's validator warns of an unreferenced mapping).
        """
        stack = Stack.of(self)
        return Fn.join(".", [service_name_prefix(stack), stack.region, self.service_id])

    def add_auto_accept_principals(self, *accounts: str) -> None:
        """Accept the pending requests of more accounts automatically (12-digit account IDs).

        Adds the auto-acceptor (and a notification topic) if there is none yet. Each account must
        also be allowed to connect; that is checked at synth, so ``add_allowed_principals`` may
        come later.
        """
        raise_if_problems(
            self,
            check_principals(
                [*self._auto_accept, *accounts], argument="auto_accept_principals", allow_arns=False
            ),
        )
        self._auto_accept.extend(accounts)
        if self.acceptor is not None:
            self.acceptor.add_accounts(*accounts)
            return
        if self.notification_topic is None:
            self.notification_topic = self._create_topic()
        if self._notification is None:
            self._add_notifications(enabled=True, topic=self.notification_topic, events=["Connect"])
        elif "Connect" not in (events := list(self._notification.connection_events)):
            self._notification.connection_events = [*events, "Connect"]
        self.acceptor = self._add_acceptor(self._auto_accept)

    @property
    def auto_accept_principals(self) -> tuple[str, ...]:
        """The accounts whose pending requests are accepted automatically."""
        return tuple(self._auto_accept)

    def metric(
        self,
        metric_name: str,
        *,
        statistic: str | None = None,
        period: Duration | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """A metric AWS PrivateLink publishes for this service (``AWS/PrivateLinkServices``).

        Defaults to the average over 5 minutes, as ``cloudwatch.Metric`` does.
        """
        return cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=metric_name,
            dimensions_map={"Service Id": self.service_id},
            statistic=statistic,
            period=period,
            label=label,
        )

    def metric_active_connections(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Concurrent connections from all endpoints to this service: maximum per period."""
        return self.metric("ActiveConnections", statistic="Maximum", period=period)

    def metric_new_connections(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Connections opened through all endpoints: sum per period."""
        return self.metric("NewConnections", statistic="Sum", period=period)

    def metric_bytes_processed(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Bytes exchanged with all endpoints, both directions: sum per period."""
        return self.metric("BytesProcessed", statistic="Sum", period=period)

    def metric_endpoints_count(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Endpoints connected to this service: maximum per period."""
        return self.metric("EndpointsCount", statistic="Maximum", period=period)

    def metric_rst_packets_sent(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Resets the service sent to endpoints (unhealthy or missing targets): sum per period."""
        return self.metric("RstPacketsSent", statistic="Sum", period=period)

    def _add_load_balancer(
        self,
        vpc: ec2.IVpc,
        *,
        subnets: ec2.SubnetSelection | None,
        cross_zone_enabled: bool,
        deletion_protection: bool,
        ip_address_type: elbv2.IpAddressType,
        enforce_inbound_rules: bool,
        access_logs_bucket: s3.IBucket | None,
        access_logs_prefix: str | None,
    ) -> None:
        self.security_group = closed_security_group(
            self, vpc, description="privatelink-cdk NLB: egress to the service ports in the VPC only"
        )
        selection = subnets or one_private_subnet_per_az(vpc)
        self.subnets = selected(vpc, selection)
        self.availability_zone_ids = zone_ids_of(self.subnets.subnets)
        self.load_balancer = elbv2.NetworkLoadBalancer(
            self,
            "Nlb",
            vpc=vpc,
            internet_facing=False,
            vpc_subnets=selection,
            cross_zone_enabled=cross_zone_enabled,
            deletion_protection=deletion_protection,
            ip_address_type=ip_address_type,
            security_groups=[self.security_group],
            enforce_security_group_inbound_rules_on_private_link_traffic=enforce_inbound_rules,
        )
        if access_logs_bucket is not None:
            self.load_balancer.log_access_logs(access_logs_bucket, access_logs_prefix)
        else:
            acknowledge_findings(
                self.load_balancer,
                "NLB access logs record TLS listeners only; this NLB has TCP listeners, "
                "so the logs would stay empty. Opt in with access_logs_bucket.",
                rules=[
                    *rule_ids("ELB2", AWS_SOLUTIONS),
                    *rule_ids("ELBLoggingEnabled", HIPAA, NIST_800_53_R5, PCI_DSS_321),
                ],
                checkov=["CKV_AWS_91"],
            )

    def _add_ports(
        self,
        vpc: ec2.IVpc,
        *,
        target_type: elbv2.TargetType,
        health_checks: Mapping[int, elbv2.HealthCheck],
        proxy_protocol_v2: bool,
        preserve_client_ip: bool | None,
        deregistration_delay: Duration | None,
        connection_termination: bool,
        target_cidrs: Sequence[str],
    ) -> None:
        """One target group, one listener and the NLB's egress rules per port."""
        listeners: dict[int, elbv2.NetworkListener] = {}
        target_groups: dict[int, elbv2.NetworkTargetGroup] = {}
        for port, check in health_checks.items():
            target_groups[port] = elbv2.NetworkTargetGroup(
                self,
                f"Port{port}Targets",
                vpc=vpc,
                port=port,
                protocol=elbv2.Protocol.TCP,
                target_type=target_type,
                health_check=check,
                proxy_protocol_v2=proxy_protocol_v2,
                preserve_client_ip=preserve_client_ip,
                deregistration_delay=deregistration_delay,
                connection_termination=connection_termination,
            )
            listeners[port] = self.load_balancer.add_listener(
                f"Port{port}",
                port=port,
                protocol=elbv2.Protocol.TCP,
                default_target_groups=[target_groups[port]],
            )
            acknowledge_findings(
                listeners[port],
                "A TCP listener on purpose: the NLB passes the service's own protocol through "
                "unchanged, so encryption in transit is the service's (a database's TLS, negotiated "
                "in its protocol, runs end to end between client and server), and PrivateLink keeps "
                "the traffic inside AWS's network. A TLS listener would end the service's TLS at the "
                "NLB and present the NLB's certificate instead of the server's.",
                rules=rule_ids("ELBv2ACMCertificateRequired", HIPAA, NIST_800_53_R5, PCI_DSS_321),
            )
            for egress_port in sorted({port, *_health_check_port(check)}):
                for cidr in (vpc.vpc_cidr_block, *target_cidrs):
                    where = "the VPC" if cidr is vpc.vpc_cidr_block else cidr
                    self.security_group.add_egress_rule(
                        cidr_peer(cidr),
                        ec2.Port.tcp(egress_port),
                        f"To targets on port {egress_port} in {where}",
                    )
        self.listeners = listeners
        self.target_groups = target_groups

    def _add_endpoint_service(
        self,
        *,
        acceptance_required: bool,
        contributor_insights: bool,
        supported_ip_address_types: Sequence[str],
        allowed_regions: Sequence[str],
    ) -> None:
        stack = Stack.of(self)
        self.endpoint_service = ec2.CfnVPCEndpointService(
            self,
            "Service",
            network_load_balancer_arns=[self.load_balancer.load_balancer_arn],
            acceptance_required=acceptance_required,
            contributor_insights_enabled=contributor_insights or None,
            supported_ip_address_types=list(supported_ip_address_types),
            supported_regions=list(allowed_regions) or None,
            private_dns_name=self.private_dns_name,
        )
        self.service_id = self.endpoint_service.attr_service_id
        self.service_arn = stack.format_arn(
            service="ec2",
            resource="vpc-endpoint-service",
            resource_name=self.service_id,
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )

    def _add_permissions(self, allowed_principals: Sequence[str], *, allow_all: bool) -> None:
        self._principals = list(allowed_principals)
        self._allow_all = allow_all
        self._warned_open_to_all = False
        partition = Stack.of(self).partition
        self._permissions = ec2.CfnVPCEndpointServicePermissions(
            self,
            "Permissions",
            service_id=self.service_id,
            allowed_principals=[to_principal_arn(p, partition) for p in self._principals],
        )
        self._warn_if_open_to_all()

    def _warn_if_open_to_all(self) -> None:
        """Every AWS account may connect, unreviewed: allowed (twice over), and still worth a warning."""
        if self._warned_open_to_all or not is_open_to_all(
            self._principals, acceptance_required=self._acceptance_required
        ):
            return
        Annotations.of(self).add_warning_v2(
            OPEN_TO_EVERY_ACCOUNT_WARNING,
            "Every AWS account may connect to this endpoint service without review "
            "(allowed_principals '*', acceptance_required False). Consumers' traffic reaches "
            "your targets as soon as they create an endpoint.",
        )
        self._warned_open_to_all = True

    def _key(self) -> kms.IKey:
        """The construct's KMS key: the one given, or a new one made the first time it is needed."""
        if self.encryption_key is None:
            self.encryption_key = create_encryption_key(
                self,
                "Key",
                description="privatelink-cdk: connection notifications and Lambda logs",
                removal_policy=self._removal_policy or RemovalPolicy.RETAIN,
            )
        return self.encryption_key

    def _add_notifications(self, *, enabled: bool, topic: sns.ITopic | None, events: Sequence[str]) -> None:
        self.notification_topic = topic
        self._notification: ec2.CfnVPCEndpointConnectionNotification | None = None
        if topic is None and enabled:
            self.notification_topic = self._create_topic()
        if self.notification_topic is not None:
            self._notification = ec2.CfnVPCEndpointConnectionNotification(
                self,
                "ConnectionNotification",
                service_id=self.service_id,
                connection_events=list(dict.fromkeys(events)),
                connection_notification_arn=self.notification_topic.topic_arn,
            )

    def _create_topic(self) -> sns.Topic:
        key = self._key()
        topic = sns.Topic(
            self,
            "Notifications",
            display_name="PrivateLink endpoint connection notifications",
            master_key=key,
            enforce_ssl=True,
        )
        vpce = iam.ServicePrincipal("vpce.amazonaws.com")
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EndpointServiceNotifications",
                principals=[vpce],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
        # SNS calls KMS on the publisher's behalf. The topic policy above already limits who
        # publishes, so the key statement carries no condition that the service might not send.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EndpointServiceNotifications",
                principals=[vpce],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
            )
        )
        return topic

    def _add_acceptor(self, accounts: Sequence[str]) -> ConnectionAcceptor | None:
        if not accounts or self.notification_topic is None:
            return None
        return ConnectionAcceptor(
            self,
            "AutoAccept",
            service_id=self.service_id,
            accounts=accounts,
            notification_topic=self.notification_topic,
            encryption_key=self._key(),
            log_retention=self._log_retention,
            alarm_topic=self._alarm_topic,
            removal_policy=self._removal_policy,
        )

    def _add_private_dns(self, zone: route53.IPublicHostedZone | None) -> None:
        self.private_dns_verification_name = None
        self.private_dns_verification_value = None
        if self.private_dns_name is None:
            return
        self.private_dns_verification_name = self.endpoint_service.attr_private_dns_name_configuration_name
        self.private_dns_verification_value = self.endpoint_service.attr_private_dns_name_configuration_value
        if zone is not None:
            self._verify_domain(zone, self.private_dns_verification_name, self.private_dns_verification_value)

    def _verify_domain(self, zone: route53.IPublicHostedZone, name: str, value: str) -> None:
        """Write the TXT record into the zone, then start verification (an API call, not a resource)."""
        record = route53.TxtRecord(
            self,
            "DomainVerificationRecord",
            zone=zone,
            record_name=name,
            values=[value],
            ttl=Duration.minutes(5),
        )
        call = cr.AwsSdkCall(
            service="EC2",
            action="startVpcEndpointServicePrivateDnsVerification",
            parameters={"ServiceId": self.service_id},
            physical_resource_id=cr.PhysicalResourceId.of(Fn.join(":", [name, value])),
        )
        log_group = logs.LogGroup(
            self,
            "DomainVerificationLogs",
            retention=self._log_retention,
            encryption_key=self._key(),
            removal_policy=self._removal_policy or RemovalPolicy.DESTROY,
        )
        # Our own role: the singleton's default one carries the AWS managed basic execution policy.
        role = iam.Role(
            self,
            "DomainVerificationRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Starts private DNS name verification of one endpoint service",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn]
            )
        )
        acknowledge_inline_policy(role.node.find_child("DefaultPolicy"))
        start = cr.AwsCustomResource(
            self,
            "DomainVerification",
            on_create=call,
            on_update=call,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    iam.PolicyStatement(
                        actions=["ec2:StartVpcEndpointServicePrivateDnsVerification"],
                        resources=[self.service_arn],
                    )
                ]
            ),
            install_latest_aws_sdk=False,
            log_group=log_group,
            role=role,
            memory_size=_CUSTOM_RESOURCE_MEMORY_MB,
        )
        start.node.add_dependency(record)
        acknowledge_inline_policy(start.node.find_child("CustomResourcePolicy"))
        _acknowledge_custom_resource_function(Stack.of(self))


_CUSTOM_RESOURCE_MEMORY_MB = 256


def _acknowledge_custom_resource_function(stack: Stack) -> None:
    """What the packs ask of aws-cdk-lib's ``AwsCustomResource`` function, one per stack, and why not.

    It runs only while CloudFormation creates or updates the domain verification, and
    CloudFormation waits for its answer: a failure fails the deploy, visibly.
    """
    function_id = "AWS" + cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", "")
    function = stack.node.find_child(function_id)
    findings = {
        "aws-cdk-lib's AwsCustomResource function runs only during deploys, when CloudFormation asks "
        "it to start private DNS verification, and CloudFormation waits for its answer: a failure "
        "fails the deploy. A dead-letter queue would hold nothing anyone acts on.": (
            rule_ids("LambdaDLQ", HIPAA, NIST_800_53_R5, SERVERLESS),
            ["CKV_AWS_116"],
        ),
        "aws-cdk-lib's AwsCustomResource function runs once per deploy that changes the domain "
        "verification; reserving concurrency for it would only lower the account's unreserved pool "
        "(and fail the deploy in accounts whose concurrency quota is 10).": (
            rule_ids("LambdaConcurrency", HIPAA, NIST_800_53_R5),
            ["CKV_AWS_115"],
        ),
        "aws-cdk-lib's AwsCustomResource function (one per stack) calls AWS APIs over HTTPS, here "
        "StartVpcEndpointServicePrivateDnsVerification, and reaches nothing in a VPC; it needs no "
        "VPC.": (
            rule_ids("LambdaInsideVPC", HIPAA, NIST_800_53_R5, PCI_DSS_321),
            ["CKV_AWS_117"],
        ),
        "aws-cdk-lib's AwsCustomResource function makes an API call per deploy that changes a "
        "custom resource; its log group records each, and X-Ray would add nothing a reviewer "
        "needs.": (
            rule_ids("LambdaTracing", SERVERLESS),
            [],
        ),
    }
    for reason, (rules, checks) in findings.items():
        acknowledge_findings(function, reason, rules=rules, checkov=checks)


def service_name_prefix(stack: Stack) -> str:
    """The endpoint service name prefix in ``stack``'s partition, from aws-cdk-lib's regional facts.

    ``com.amazonaws.vpce`` in most partitions, ``cn.com.amazonaws.vpce`` in China. For a stack
    without a concrete region, a mapping keyed by ``AWS::Partition`` covers every partition
    the app targets (context ``@aws-cdk/core:target-partitions``), unless they all agree
    (``_patterns.SERVICE_NAME_PREFIX_BY_PARTITION``: the same facts, kept equal by a test).
    """
    if not is_unresolved(stack.region):
        prefix = RegionInfo.get(stack.region).vpc_endpoint_service_name_prefix
        return prefix or ec2.VpcEndpointService.DEFAULT_PREFIX
    targets = stack.node.try_get_context(_TARGET_PARTITIONS)
    prefixes = {
        partition: prefix
        for partition, prefix in _patterns.SERVICE_NAME_PREFIX_BY_PARTITION.items()
        if not targets or partition in targets
    }
    if len(set(prefixes.values())) <= 1:
        return next(iter(prefixes.values()), ec2.VpcEndpointService.DEFAULT_PREFIX)
    mapping_id = "PrivateLinkCdkServiceNamePrefix"
    mapping = stack.node.try_find_child(mapping_id)
    if not isinstance(mapping, CfnMapping):
        mapping = CfnMapping(
            stack,
            mapping_id,
            mapping={partition: {"prefix": prefix} for partition, prefix in sorted(prefixes.items())},
            lazy=True,
        )
    return mapping.find_in_map(Aws.PARTITION, "prefix")


def _health_check_port(check: elbv2.HealthCheck) -> list[int]:
    port = check.port
    if port is None or is_unresolved(port) or not (port.isascii() and port.isdigit()):
        return []
    return [int(port)]


def _egress_rule_problems(
    ports: Sequence[int],
    default: elbv2.HealthCheck | None,
    overrides: Mapping[int, elbv2.HealthCheck],
    target_cidrs: Sequence[str],
    *,
    quota: int,
) -> list[Problem]:
    """The NLB's egress rules, every target network on every service and health-check port."""
    quota_problems = check_rule_quota(quota)
    if quota_problems:
        return quota_problems
    checks = [overrides.get(port, default or default_health_check()) for port in ports]
    return check_egress_rules(
        ports,
        target_cidrs,
        health_check_ports=[port for check in checks for port in _health_check_port(check)],
        quota=quota,
    )


def _topic_problems(topic: sns.ITopic | None, stack: Stack, *, subscribed: bool) -> list[Problem]:
    """An imported notification topic: SNS, this partition, and this account when subscribed to."""
    if topic is None:
        return []
    return check_topic_arn(
        topic.topic_arn,
        argument="notification_topic",
        partition=partition_of(stack.region),
        account=stack.account if subscribed else None,
    )


@jsii.implements(IValidation)
class _AcceptsOnlyAllowed:
    """At synth, when ``add_*_principals`` have had their say: auto-accepted accounts are allowed."""

    def __init__(self, provider: ProviderEndpointService) -> None:
        self._provider = provider

    def validate(self) -> list[str]:
        """The problems found, each as ``auto_accept_principals[i]: ...``."""
        provider = self._provider
        return [
            problem.render()
            for problem in check_auto_accept_allowed(
                provider.auto_accept_principals, provider.allowed_principals
            )
        ]


def _health_check_problems(
    ports: Sequence[int], default: elbv2.HealthCheck | None, overrides: Mapping[int, elbv2.HealthCheck]
) -> list[Problem]:
    problems: list[Problem] = []
    unknown_ports = sorted(set(overrides) - set(ports))
    if unknown_ports:
        problems.append(Problem("health_checks", f"ports {unknown_ports} are not among ports {list(ports)}"))
    checks = [("health_check", default)] + [
        (f"health_checks[{port}]", check) for port, check in overrides.items()
    ]
    for argument, check in checks:
        if check is None:
            continue
        interval = check.interval.to_seconds() if check.interval is not None else None
        port = _health_check_port(check)
        if check.port not in (None, "traffic-port") and not port and not is_unresolved(check.port):
            problems.append(
                Problem(
                    f"{argument}.port", f"{check.port!r} is not a port; expected 1-65535 or 'traffic-port'"
                )
            )
        problems += check_health_check(
            argument=argument,
            protocol=check.protocol.value.lower() if check.protocol is not None else None,
            port=port[0] if port else None,
            path=check.path,
            interval_seconds=interval,
            healthy_threshold=check.healthy_threshold_count,
            unhealthy_threshold=check.unhealthy_threshold_count,
        )
    return problems


def _access_logs_problems(bucket: s3.IBucket | None, region: str) -> list[Problem]:
    if bucket is not None and is_unresolved(region):
        return [
            Problem(
                "access_logs_bucket",
                "NLB access logs need a stack with a concrete region (env=Environment(region=...)); "
                "this stack is environment-agnostic",
            )
        ]
    return []
