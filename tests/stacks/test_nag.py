"""cdk-nag over the app: AwsSolutions on the default config, all five packs with every option on.

`make test` also runs the five packs on the default config and every example (`make compliance`),
the real `cdk synth -c compliance=all` (aws-cdk-lib's validation on) and cfn-lint.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_sns as sns

from stacks import build_app, parse_config, with_nag
from stacks.compliance import ALL_PACKS
from tests.conftest import default_config, new_app

EVERYTHING: dict[str, Any] = {
    "provider": {
        "ports": [5432, 6432],
        "allowed_principals": ["111122223333"],
        "auto_accept_principals": ["111122223333"],
        "allowed_regions": ["us-east-1"],
        "supported_ip_address_types": ["ipv4", "ipv6"],
        "dualstack": True,
        "vpc": {"ipv6": True},
        "private_dns_name": "db.example.com",
        "public_hosted_zone": {"zone_id": "Z0123456789ABCDEFGHIJ", "zone_name": "example.com"},
        "notifications": {"enabled": True},
        "database": {
            "hostname": "orders-proxy.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com",
            "source_identifiers": ["orders-proxy"],
            "in_vpc": True,
            "create_elb_endpoint": True,
        },
        "alarm_topic_arn": "arn:aws:sns:eu-west-1:111122223333:alarms",
    },
    "consumers": [
        {
            "name": "linked",
            "allowed_peers": [{"cidr": "10.60.0.0/24"}, {"security_group_id": "sg-0123456789abcdef0"}],
            "private_hosted_zone": {"name": "example.com", "records": ["db.example.com"]},
            "ip_address_type": "dualstack",
            "dns_record_ip_type": "dualstack",
            "vpc": {"cidr": "10.60.0.0/16", "ipv6": True},
            "probe": True,
        },
        {
            "name": "foreign",
            "service_name": "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
            "service_region": "us-east-1",
            "ports": [5432],
            "private_dns_enabled": True,
            "vpc": {
                "vpc_id": "vpc-0123",
                "cidr": "10.61.0.0/16",
                "availability_zones": ["a"],
                "subnet_ids": ["s"],
            },
        },
    ],
}


def test_default_app_passes_aws_solutions_checks() -> None:
    app = with_nag(new_app())
    build_app(app, parse_config(default_config()))
    app.synth()  # raises "ValidationFailed" on any unacknowledged finding


def test_every_option_passes_all_five_packs() -> None:
    # In-VPC updater with endpoints, acceptor, domain verification, dual-stack VPCs, the probe.
    app = with_nag(new_app(), ALL_PACKS)
    build_app(app, parse_config(EVERYTHING))
    app.synth()


def test_nag_fails_the_synth_on_a_finding() -> None:
    # The check above can fail: an unencrypted, non-SSL topic is a finding.
    app = with_nag(new_app())
    sns.Topic(Stack(app, "Bad"), "Plain")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
