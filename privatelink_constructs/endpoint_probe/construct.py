"""EndpointProbe: a tiny function in the consumer's VPC that checks a link from where clients are."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jsii
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from privatelink_constructs._defaults import DEFAULT_LOG_RETENTION
from privatelink_constructs._function import create_encryption_key, python_function
from privatelink_constructs._network import closed_security_group, one_private_subnet_per_az
from privatelink_constructs._tokens import is_unresolved
from privatelink_constructs.rules import Problem, check_dns_name, check_ports, raise_if_problems

__all__ = ["EndpointProbe"]

_ASSET_DIR = Path(__file__).parent
_MAX_TIMEOUT = Duration.minutes(1)


@jsii.implements(ec2.IConnectable)
class EndpointProbe(Construct):
    """A small Lambda in the endpoint's subnets that resolves names and opens TCP (and TLS) to them.

    ``privatelink-cdk doctor --probe`` invokes it with the names clients use and the endpoint's
    private addresses; it answers, for each name, what it resolves to in the VPC and whether
    that is the endpoint, and for each address and port, whether a TCP connection opens
    (optionally a TLS handshake with the provider's hostname as SNI). It sends no data beyond
    a TLS handshake, and runs only when invoked.

    It has its own security group with no inbound rule; outbound, only the link's ports (to the
    endpoint's security group when ``endpoint`` is given, which also admits the probe there;
    else to the VPC's CIDR) and DNS (TCP and UDP 53 to the VPC's CIDR, for resolvers in the
    VPC; the Amazon-provided resolver is reached regardless). It is ``ec2.IConnectable``:
    ``endpoint.connections.allow_from(probe, ec2.Port.tcp(5432))`` admits it to an endpoint
    built elsewhere.
    """

    function: lambda_.Function
    """The probe's function: invoke it with ``{"names": [...], "ports": [...], ...}`` or ``{}``."""
    log_group: logs.LogGroup
    """Its log group (one JSON object per line)."""
    security_group: ec2.SecurityGroup
    """Its security group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        ports: Sequence[int],
        endpoint: ec2.IConnectable | None = None,
        subnets: ec2.SubnetSelection | None = None,
        names: Sequence[str] = (),
        encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays = DEFAULT_LOG_RETENTION,
        removal_policy: RemovalPolicy | None = None,
        timeout: Duration | None = None,
    ) -> None:
        """Create the probe's function, role, log group and security group.

        :param vpc: The consumer's VPC.
        :param ports: The link's TCP ports: the probe may connect to these only.
        :param endpoint: The interface endpoint (or anything with its security group): the probe
            may reach it on ``ports``, and it admits the probe. Defaults to none: the probe may
            reach the VPC's CIDR on ``ports``, and the endpoint must admit it
            (``endpoint.connections.allow_from(probe, port)``).
        :param subnets: Where the probe runs. Use the endpoint's subnets (or the clients'), so it
            sees what they see. Defaults to one private or isolated subnet per AZ.
        :param names: The names it resolves when invoked without any (the endpoint's DNS name, the
            provider's hostname, your private hosted zone's records). Defaults to none: the doctor
            sends them.
        :param encryption_key: KMS key for the function's log group (one key per stack is enough).
            Defaults to a new key (rotation on).
        :param log_retention: How long its logs are kept. Defaults to three months.
        :param removal_policy: What happens to the KMS key and the log group this construct
            creates when they leave the stack. Defaults to keeping the key (a deleted key makes
            whatever it encrypted unreadable) and deleting the log group.
        :param timeout: The function's timeout, at most one minute. Defaults to 30 seconds (each
            connection attempt gives up after 3 seconds).
        """
        super().__init__(scope, construct_id)
        timeout = timeout or Duration.seconds(30)
        problems = check_ports(ports, maximum=None)
        for index, name in enumerate(names):
            problems += check_dns_name(name, argument="names", index=index)
        if not is_unresolved(timeout.to_seconds()) and timeout.to_seconds() > _MAX_TIMEOUT.to_seconds():
            problems.append(Problem("timeout", f"{timeout.to_human_string()} is over the 1 minute maximum"))
        raise_if_problems(self, problems)

        self.security_group = closed_security_group(
            self,
            vpc,
            description="privatelink-cdk endpoint probe: to the endpoint on the link ports, and DNS",
        )
        self._connections = ec2.Connections(security_groups=[self.security_group])
        for port in ports:
            if endpoint is not None:
                # The egress rule inline (by group ID), the endpoint's ingress rule a resource of its own:
                # no dependency cycle, and no AWS::EC2::SecurityGroupEgress resource.
                for group in endpoint.connections.security_groups:
                    self.security_group.add_egress_rule(
                        ec2.Peer.security_group_id(group.security_group_id),
                        ec2.Port.tcp(port),
                        f"To the endpoint on {port}",
                    )
                    group.add_ingress_rule(
                        self.security_group, ec2.Port.tcp(port), f"Endpoint probe on {port}"
                    )
            else:
                self.security_group.add_egress_rule(
                    ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(port), f"To the endpoint on {port}"
                )
        for dns in (ec2.Port.udp(53), ec2.Port.tcp(53)):
            self.security_group.add_egress_rule(ec2.Peer.ipv4(vpc.vpc_cidr_block), dns, "DNS in the VPC")

        self.function, self.log_group, _ = python_function(
            self,
            "Function",
            asset_dir=_ASSET_DIR,
            handler="runtime.handler.handler",
            description="privatelink-cdk endpoint probe: DNS, TCP and TLS checks from inside the VPC",
            environment={
                "PROBE_PORTS": ",".join(str(port) for port in ports),
                "PROBE_NAMES": ",".join(names),
                "PROBE_TIMEOUT_SECONDS": "3",
            },
            encryption_key=encryption_key
            or create_encryption_key(
                self,
                "Key",
                description="privatelink-cdk endpoint probe logs",
                removal_policy=removal_policy or RemovalPolicy.RETAIN,
            ),
            log_retention=log_retention,
            timeout=timeout,
            vpc=vpc,
            vpc_subnets=subnets or one_private_subnet_per_az(vpc),
            security_groups=[self.security_group],
            no_dead_letter_queue_reason=(
                "Only an operator invokes it (privatelink-cdk doctor --probe), synchronously, and reads "
                "the answer: Lambda's dead-letter queue holds failed asynchronous invocations only."
            ),
        )
        if removal_policy is not None:
            self.log_group.apply_removal_policy(removal_policy)

    @property
    def connections(self) -> ec2.Connections:
        """The probe's security group: ``endpoint.connections.allow_from(probe, port)`` admits it."""
        return self._connections
