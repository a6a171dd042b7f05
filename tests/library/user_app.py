"""A user's CDK app, as someone who installed only the privatelink-cdk wheel would write it.

The library proof copies this file into a temporary folder outside the repository and runs it
with a fresh environment's Python: ``python user_app.py <cdk-nag major>``. It prints one JSON
line (where the library was imported from, and every error and warning in the cloud assembly)
and exits 1 on any error.
"""

from __future__ import annotations

import json
import sys

from aws_cdk import App, Aspects, Stack, Validations, cx_api
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_sns as sns
from cdk_nag import AwsSolutionsChecks

import privatelink_constructs
from privatelink_constructs import ConsumerInterfaceEndpoint, ProviderEndpointService, RdsTargetGroupUpdater


def imported_vpc(stack: Stack, cidr: str) -> ec2.IVpc:
    """The user's existing VPC, imported by attributes (no lookups, no resources of its own)."""
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        vpc_cidr_block=cidr,
        availability_zones=["eu-west-1a", "eu-west-1b"],
        private_subnet_ids=["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
        private_subnet_route_table_ids=["rtb-0aaaaaaaaaaaaaaa1", "rtb-0bbbbbbbbbbbbbbb2"],
    )


def main(nag_major: str) -> int:
    """Build a provider (with the auto-acceptor and an updater in the VPC) and a consumer."""
    app = App(outdir="cdk.out")
    if nag_major == "3":
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))  # type: ignore[call-arg,unused-ignore]
    else:
        Aspects.of(app).add(AwsSolutionsChecks())  # type: ignore[call-arg,arg-type,unused-ignore]

    provider = Stack(app, "Provider")
    vpc = imported_vpc(provider, "10.50.0.0/16")
    # The team's existing alarm topic: every alarm of the acceptor and the updater notifies it.
    alarms = sns.Topic.from_topic_arn(provider, "Alarms", "arn:aws:sns:eu-west-1:111122223333:alarms")
    link = ProviderEndpointService(
        provider,
        "Link",
        vpc=vpc,
        ports=[5432],
        allowed_principals=["111122223333"],
        auto_accept_principals=["111122223333"],
        alarm_topic=alarms,
    )
    RdsTargetGroupUpdater(
        provider,
        "Follow",
        vpc=vpc,
        hostname="orders.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com",
        target_groups=link.target_groups,
        source_identifiers=["orders"],
        vpc_subnets=ec2.SubnetSelection(subnets=vpc.private_subnets),
        create_elb_endpoint=True,
        alarm_topic=alarms,
    )

    consumer = Stack(app, "Consumer")
    ConsumerInterfaceEndpoint(
        consumer,
        "VendorDb",
        vpc=imported_vpc(consumer, "10.60.0.0/16"),
        service_name="com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0",
        ports=[5432],
        allowed_peers=[ec2.Peer.ipv4("10.60.8.0/22")],
    )

    assembly = app.synth()  # cdk-nag 3 raises here on any unacknowledged finding
    levels = {"error": cx_api.SynthesisMessageLevel.ERROR, "warning": cx_api.SynthesisMessageLevel.WARNING}
    messages = {
        name: [
            f"{message.id}: {message.entry.data}"
            for stack in assembly.stacks
            for message in stack.messages
            if message.level == level
        ]
        for name, level in levels.items()
    }
    print(json.dumps({"library": privatelink_constructs.__file__, **messages}))
    return 1 if messages["error"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
