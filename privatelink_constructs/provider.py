"""ProviderEndpointService: an internal NLB in front of a TCP service, published with PrivateLink."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import jsii
from aws_cdk import Acknowledgment, ArnFormat, Duration, Fn, Stack, Token, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import custom_resources as cr
from constructs import Construct

from ._function import create_key
from ._network import cidr_peer, closed_security_group, one_private_subnet_per_az
from ._validation import (
    account_or_principal_problems,
    dns_name_problem,
    domain_contains,
    port_problems,
    raise_if_problems,
    region_problem,
    target_cidr_problem,
    to_principal_arn,
)
from .connection_acceptor.construct import ConnectionAcceptor

__all__ = ["CONNECTION_EVENTS", "ProviderEndpointService"]

CONNECTION_EVENTS = ("Accept", "Connect", "Delete", "Reject")
"""Every endpoint connection event a notification can report."""

_IP_ADDRESS_TYPES = ("ipv4", "ipv6")


def default_health_check() -> elbv2.HealthCheck:
    """TCP on the traffic port every 10 s; 2 failures mark a target unhealthy, 2 successes healthy."""
    return elbv2.HealthCheck(
        protocol=elbv2.Protocol.TCP,
        port="traffic-port",
        interval=Duration.seconds(10),
        healthy_threshold_count=2,
        unhealthy_threshold_count=2,
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
    is limited to the VPC's CIDR on the service ports; allow more with ``connections``. Inbound
    rules are not evaluated for PrivateLink traffic unless
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
    endpoint_service: ec2.CfnVPCEndpointService
    """The VPC endpoint service."""
    service_id: str
    """The endpoint service's ID (``vpce-svc-...``)."""
    service_name: str
    """What consumers connect to: ``com.amazonaws.vpce.<region>.vpce-svc-...``."""
    service_arn: str
    """The endpoint service's ARN, for IAM policies."""
    notification_topic: sns.ITopic | None
    """The topic receiving connection notifications, when notifications are on."""
    acceptor: ConnectionAcceptor | None
    """The auto-acceptor, when ``auto_accept_principals`` is given."""
    encryption_key: kms.Key | None
    """The KMS key created for the notification topic and the Lambdas' logs, when one was needed."""
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
        log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        """Create the NLB, listeners, target groups and endpoint service.

        :param vpc: The VPC of the NLB (and of IP or instance targets).
        :param ports: TCP ports to expose: one listener and one target group each, 1 to 50 ports.
        :param allowed_principals: Who may connect: 12-digit account IDs (made into
            ``arn:<partition>:iam::<id>:root``) or IAM ARNs of an account root, role or user.
            Defaults to nobody: connection requests are refused until a principal is allowed.
        :param allow_all_principals: Must be True for ``*`` to be accepted in ``allowed_principals``.
        :param acceptance_required: Whether each connection request waits for acceptance.
            Defaults to True.
        :param auto_accept_principals: 12-digit account IDs whose pending requests a small Lambda
            accepts as soon as the ``Connect`` notification arrives. Every other request stays
            pending for a human; nothing is ever rejected automatically. Turns connection
            notifications on. Defaults to none (no Lambda).
        :param subnets: Where the NLB's nodes go. Defaults to one private or isolated subnet per AZ.
        :param target_type: IP (default), INSTANCE or ALB.
        :param health_check: The health check of every port. Defaults to TCP on the traffic port
            every 10 seconds, 2 checks to change state.
        :param health_checks: Per-port overrides of ``health_check``, keyed by port.
        :param cross_zone_enabled: Cross-zone load balancing. Defaults to on.
        :param proxy_protocol_v2: Prepend proxy protocol v2 headers. Defaults to off (databases
            do not speak it).
        :param preserve_client_ip: Client IP preservation. Defaults to off for IP targets (as the
            managed-database vendors require) and to the ELB default for other target types.
        :param deregistration_delay: How long a deregistered target keeps its connections.
            Defaults to the ELB default of 300 seconds.
        :param target_cidrs: CIDRs outside the VPC where targets live (a peered VPC, on-premises):
            the NLB's security group may reach them on the service and health-check ports.
            Defaults to none: targets in the VPC only.
        :param connection_termination: Close connections to a deregistered target at the end of
            the deregistration delay. Defaults to off.
        :param enforce_security_group_inbound_rules_on_private_link_traffic: Evaluate the NLB
            security group's inbound rules for PrivateLink traffic. Defaults to off. When on,
            consumer traffic arrives from the consumers' endpoint addresses, which the provider
            does not know and which may overlap; every connection through PrivateLink then times
            out unless an inbound rule allows its source. Turn it on only with rules for the
            consumers' CIDRs.
        :param ip_address_type: IPV4 (default) or DUAL_STACK, which IPv6 consumers need.
        :param deletion_protection: Protect the NLB from deletion. Defaults to off.
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
            policy (and key policy, if encrypted) must let ``vpce.amazonaws.com`` publish.
        :param notification_events: Which events to send. Defaults to all four.
        :param log_retention: Retention of the Lambdas' logs. Defaults to three months.
        :param alarm_topic: Where the auto-acceptor's alarms go. Defaults to none.
        """
        super().__init__(scope, construct_id)
        health_checks = dict(health_checks or {})
        raise_if_problems(
            self,
            _argument_problems(
                ports=ports,
                allowed_principals=allowed_principals,
                allow_all_principals=allow_all_principals,
                auto_accept_principals=auto_accept_principals,
                target_type=target_type,
                health_checks=health_checks,
                allowed_regions=allowed_regions,
                supported_ip_address_types=supported_ip_address_types,
                ip_address_type=ip_address_type,
                private_dns_name=private_dns_name,
                public_hosted_zone=public_hosted_zone,
                notification_events=notification_events,
                access_logs_bucket=access_logs_bucket,
                target_cidrs=target_cidrs,
                region=Stack.of(self).region,
            ),
        )
        stack = Stack.of(self)

        self.security_group = closed_security_group(
            self, vpc, description="privatelink-cdk NLB: egress to the service ports in the VPC only"
        )
        self.load_balancer = elbv2.NetworkLoadBalancer(
            self,
            "Nlb",
            vpc=vpc,
            internet_facing=False,
            vpc_subnets=subnets or one_private_subnet_per_az(vpc),
            cross_zone_enabled=cross_zone_enabled,
            deletion_protection=deletion_protection,
            ip_address_type=ip_address_type,
            security_groups=[self.security_group],
            enforce_security_group_inbound_rules_on_private_link_traffic=(
                enforce_security_group_inbound_rules_on_private_link_traffic
            ),
        )
        if access_logs_bucket is not None:
            self.load_balancer.log_access_logs(access_logs_bucket, access_logs_prefix)
        else:
            Validations.of(self.load_balancer).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-ELB2",
                    reason="NLB access logs record TLS listeners only; this NLB has TCP listeners, "
                    "so the logs would stay empty. Opt in with access_logs_bucket.",
                )
            )

        if preserve_client_ip is None and target_type == elbv2.TargetType.IP:
            preserve_client_ip = False
        listeners: dict[int, elbv2.NetworkListener] = {}
        target_groups: dict[int, elbv2.NetworkTargetGroup] = {}
        for port in ports:
            check = health_checks.get(port, health_check or default_health_check())
            target_group = elbv2.NetworkTargetGroup(
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
                default_target_groups=[target_group],
            )
            target_groups[port] = target_group
            for egress_port in sorted({port, *_health_check_port(check)}):
                self.security_group.add_egress_rule(
                    ec2.Peer.ipv4(vpc.vpc_cidr_block),
                    ec2.Port.tcp(egress_port),
                    f"To targets on port {egress_port} in the VPC",
                )
                for cidr in target_cidrs:
                    self.security_group.add_egress_rule(
                        cidr_peer(cidr),
                        ec2.Port.tcp(egress_port),
                        f"To targets on port {egress_port} in {cidr}",
                    )
        self.listeners = listeners
        self.target_groups = target_groups

        self.endpoint_service = ec2.CfnVPCEndpointService(
            self,
            "Service",
            network_load_balancer_arns=[self.load_balancer.load_balancer_arn],
            acceptance_required=acceptance_required,
            contributor_insights_enabled=contributor_insights or None,
            supported_ip_address_types=list(supported_ip_address_types),
            supported_regions=list(allowed_regions) or None,
            private_dns_name=private_dns_name,
        )
        self.service_id = self.endpoint_service.attr_service_id
        self.service_name = Fn.join("", ["com.amazonaws.vpce.", stack.region, ".", self.service_id])
        self.service_arn = stack.format_arn(
            service="ec2",
            resource="vpc-endpoint-service",
            resource_name=self.service_id,
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )

        ec2.CfnVPCEndpointServicePermissions(
            self,
            "Permissions",
            service_id=self.service_id,
            allowed_principals=[to_principal_arn(p, stack.partition) for p in allowed_principals],
        )

        self.encryption_key = None
        self.notification_topic = notification_topic
        if self.notification_topic is None and (connection_notifications or auto_accept_principals):
            self.notification_topic = self._create_topic()
        if self.notification_topic is not None:
            events = list(notification_events)
            if auto_accept_principals and "Connect" not in events:
                events.append("Connect")
            ec2.CfnVPCEndpointConnectionNotification(
                self,
                "ConnectionNotification",
                service_id=self.service_id,
                connection_events=events,
                connection_notification_arn=self.notification_topic.topic_arn,
            )

        self.acceptor = None
        if auto_accept_principals and self.notification_topic is not None:
            self.acceptor = ConnectionAcceptor(
                self,
                "AutoAccept",
                service_id=self.service_id,
                accounts=auto_accept_principals,
                notification_topic=self.notification_topic,
                encryption_key=self._key(),
                log_retention=log_retention,
                alarm_topic=alarm_topic,
            )

        self.private_dns_verification_name = None
        self.private_dns_verification_value = None
        if private_dns_name is not None:
            self.private_dns_verification_name = (
                self.endpoint_service.attr_private_dns_name_configuration_name
            )
            self.private_dns_verification_value = (
                self.endpoint_service.attr_private_dns_name_configuration_value
            )
            if public_hosted_zone is not None:
                self._verify_domain(public_hosted_zone, log_retention)

    @property
    def connections(self) -> ec2.Connections:
        """The NLB's security group, to allow it to reach targets outside the VPC."""
        return self.load_balancer.connections

    def _key(self) -> kms.Key:
        if self.encryption_key is None:
            self.encryption_key = create_key(
                self, "Key", description="privatelink-cdk: connection notifications and Lambda logs"
            )
        return self.encryption_key

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
        account_condition = {"StringEquals": {"aws:SourceAccount": Stack.of(self).account}}
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EndpointServiceNotifications",
                principals=[vpce],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions=account_condition,
            )
        )
        # SNS calls KMS on the publisher's behalf. The key serves this construct only, and the topic
        # policy above already limits who publishes, so the key statement carries no condition that
        # the service might not send.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EndpointServiceNotifications",
                principals=[vpce],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
            )
        )
        return topic

    def _verify_domain(self, zone: route53.IPublicHostedZone, log_retention: logs.RetentionDays) -> None:
        assert self.private_dns_verification_name is not None
        assert self.private_dns_verification_value is not None
        record = route53.TxtRecord(
            self,
            "DomainVerificationRecord",
            zone=zone,
            record_name=self.private_dns_verification_name,
            values=[self.private_dns_verification_value],
            ttl=Duration.minutes(5),
        )
        call = cr.AwsSdkCall(
            service="EC2",
            action="startVpcEndpointServicePrivateDnsVerification",
            parameters={"ServiceId": self.service_id},
            physical_resource_id=cr.PhysicalResourceId.of(
                Fn.join(":", [self.private_dns_verification_name, self.private_dns_verification_value])
            ),
        )
        log_group = logs.LogGroup(
            self, "DomainVerificationLogs", retention=log_retention, encryption_key=self._key()
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
        )
        start.node.add_dependency(record)


def _health_check_port(check: elbv2.HealthCheck) -> list[int]:
    port = check.port
    if port is None or port == "traffic-port" or Token.is_unresolved(port):
        return []
    return [int(port)]


def _argument_problems(
    *,
    ports: Sequence[int],
    allowed_principals: Sequence[str],
    allow_all_principals: bool,
    auto_accept_principals: Sequence[str],
    target_type: elbv2.TargetType,
    health_checks: Mapping[int, elbv2.HealthCheck],
    allowed_regions: Sequence[str],
    supported_ip_address_types: Sequence[str],
    ip_address_type: elbv2.IpAddressType,
    private_dns_name: str | None,
    public_hosted_zone: route53.IPublicHostedZone | None,
    notification_events: Sequence[str],
    access_logs_bucket: s3.IBucket | None,
    target_cidrs: Sequence[str],
    region: str,
) -> list[str]:
    problems = port_problems("ports", ports)
    problems += account_or_principal_problems(
        "allowed_principals", allowed_principals, allow_all=allow_all_principals
    )
    problems += account_or_principal_problems(
        "auto_accept_principals", auto_accept_principals, allow_all=False, allow_arns=False
    )
    if target_type not in (elbv2.TargetType.IP, elbv2.TargetType.INSTANCE, elbv2.TargetType.ALB):
        problems.append(f"target_type: {target_type} is not allowed; expected IP, INSTANCE or ALB")
    unknown_ports = sorted(set(health_checks) - set(ports))
    if unknown_ports:
        problems.append(f"health_checks: ports {unknown_ports} are not among ports {list(ports)}")
    for index, region_name in enumerate(allowed_regions):
        problem = region_problem(f"allowed_regions[{index}]", region_name)
        if problem:
            problems.append(problem)
    for index, ip_type in enumerate(supported_ip_address_types):
        if ip_type not in _IP_ADDRESS_TYPES:
            problems.append(
                f"supported_ip_address_types[{index}]: {ip_type!r} is not allowed; expected 'ipv4' or 'ipv6'"
            )
    if not supported_ip_address_types:
        problems.append("supported_ip_address_types: at least one of 'ipv4', 'ipv6' is required, got none")
    if "ipv6" in supported_ip_address_types and ip_address_type == elbv2.IpAddressType.IPV4:
        problems.append(
            "supported_ip_address_types: 'ipv6' needs a dualstack NLB; "
            "set ip_address_type=IpAddressType.DUAL_STACK (got IPV4)"
        )
    if private_dns_name is not None:
        problem = dns_name_problem("private_dns_name", private_dns_name)
        if problem:
            problems.append(problem)
        elif (
            public_hosted_zone is not None
            and not Token.is_unresolved(public_hosted_zone.zone_name)
            and not Token.is_unresolved(private_dns_name)
            and not domain_contains(public_hosted_zone.zone_name, private_dns_name)
        ):
            problems.append(
                f"public_hosted_zone: zone {public_hosted_zone.zone_name!r} does not contain "
                f"private_dns_name {private_dns_name!r}; use the zone of that name or a parent"
            )
    elif public_hosted_zone is not None:
        problems.append("public_hosted_zone: given without private_dns_name; set both or neither")
    for index, event in enumerate(notification_events):
        if event not in CONNECTION_EVENTS:
            problems.append(
                f"notification_events[{index}]: {event!r} is not allowed; "
                f"expected one of {list(CONNECTION_EVENTS)}"
            )
    for index, cidr in enumerate(target_cidrs):
        problem = target_cidr_problem(f"target_cidrs[{index}]", cidr)
        if problem:
            problems.append(problem)
    if access_logs_bucket is not None and Token.is_unresolved(region):
        problems.append(
            "access_logs_bucket: NLB access logs need a stack with a concrete region "
            "(env=Environment(region=...)); this stack is environment-agnostic"
        )
    return problems
