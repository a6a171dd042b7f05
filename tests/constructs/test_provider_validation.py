"""ProviderEndpointService refuses bad arguments at construction, naming path, argument and value."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk import Environment, Stack, Token
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from tests.conftest import new_app, new_stack
from tests.constructs.helpers import provider, zone

PATH = "Test/Provider: "


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ports": [5432, 70000]}, "ports[1]: 70000 is not a TCP port (1-65535)"),
        ({"ports": [0]}, "ports[0]: 0 is not a TCP port (1-65535)"),
        ({"ports": [5432, 5432]}, "ports[1]: port 5432 is listed more than once"),
        ({"ports": []}, "ports: at least one TCP port is required, got none"),
        (
            {"ports": list(range(1000, 1051))},
            "ports: at most 50 ports are allowed (one NLB listener each, the PrivateLink limit), got 51",
        ),
        (
            {"allowed_principals": ["12345"]},
            "allowed_principals[0]: '12345' is not a 12-digit account ID or an IAM ARN of an account root, "
            "role or user",
        ),
        (
            {"allowed_principals": [""]},
            "allowed_principals[0]: '' is empty; expected a 12-digit account ID or an IAM ARN",
        ),
        (
            {"allowed_principals": ["arn:aws:s3:::my-bucket"]},
            "allowed_principals[0]: 'arn:aws:s3:::my-bucket' is not an IAM principal ARN",
        ),
        (
            {"allowed_principals": ["arn:aws:iam::1234:root"]},
            "allowed_principals[0]: 'arn:aws:iam::1234:root' is not an IAM principal ARN",
        ),
        (
            {"allowed_principals": ["*"]},
            "allowed_principals[0]: '*' would let every AWS account connect; set allow_all_principals=True "
            "to mean it",
        ),
        (
            {"auto_accept_principals": ["arn:aws:iam::111122223333:root"]},
            "auto_accept_principals[0]: 'arn:aws:iam::111122223333:root' is not a 12-digit account ID",
        ),
        (
            {"allowed_regions": ["eu-west-1", "Europe"]},
            "allowed_regions[1]: 'Europe' is not an AWS region name (like 'eu-west-1')",
        ),
        (
            {"supported_ip_address_types": ["ipv4", "ipv6"]},
            "supported_ip_address_types: 'ipv6' needs a dualstack NLB; set "
            "ip_address_type=IpAddressType.DUAL_STACK",
        ),
        (
            {"supported_ip_address_types": ["ipv5"]},
            "supported_ip_address_types[0]: 'ipv5' is not allowed; expected one of 'ipv4', 'ipv6'",
        ),
        (
            {"private_dns_name": "db_primary.example.com"},
            "private_dns_name: 'db_primary.example.com' is not a DNS name",
        ),
        ({"private_dns_name": "localhost"}, "private_dns_name: 'localhost' is not a DNS name"),
        (
            {"notification_events": ["Connect", "Accepted"]},
            "notification_events[1]: 'Accepted' is not allowed; expected one of "
            "'Accept', 'Connect', 'Delete', 'Reject'",
        ),
        (
            {"target_type": elbv2.TargetType.LAMBDA},
            "target_type: TargetType.LAMBDA is not allowed; expected one of TargetType.IP, "
            "TargetType.INSTANCE, TargetType.ALB",
        ),
        ({"target_cidrs": ["0.0.0.0/0"]}, "target_cidrs[0]: '0.0.0.0/0' would allow every address"),
        ({"target_cidrs": ["peered"]}, "target_cidrs[0]: 'peered' is not a CIDR block"),
        (
            {"health_checks": {9999: elbv2.HealthCheck()}},
            "health_checks: ports [9999] are not among ports [5432]",
        ),
    ],
)
def test_rejects_bad_argument(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(PATH + message)):
        provider(**overrides)


def test_rejects_a_zone_that_does_not_contain_the_private_dns_name() -> None:
    stack = new_stack()
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Test/Provider: public_hosted_zone: zone 'example.org' does not contain "
            "private_dns_name 'db.example.com'"
        ),
    ):
        provider(stack, private_dns_name="db.example.com", public_hosted_zone=zone(stack, "example.org"))


def test_rejects_a_zone_without_a_private_dns_name() -> None:
    stack = new_stack()
    with pytest.raises(ValueError, match=re.escape("Test/Provider: public_hosted_zone: given without")):
        provider(stack, public_hosted_zone=zone(stack))


def test_rejects_access_logs_in_an_environment_agnostic_stack() -> None:
    stack = new_stack()
    bucket = s3.Bucket.from_bucket_name(stack, "Logs", "my-logs")
    with pytest.raises(
        ValueError, match=re.escape("Test/Provider: access_logs_bucket: NLB access logs need")
    ):
        provider(stack, access_logs_bucket=bucket)


def test_reports_every_problem_at_once() -> None:
    with pytest.raises(ValueError, match="invalid arguments") as caught:
        provider(ports=[0, 0], allowed_principals=["nope"], allowed_regions=["mars-1"])
    text = str(caught.value)
    assert text.startswith("Test/Provider: 4 invalid arguments:\n")
    for fragment in (
        "ports[0]: 0 is not",
        "ports[1]: 0 is not",
        "allowed_principals[0]",
        "allowed_regions[0]",
    ):
        assert fragment in text


def test_accepts_unresolved_tokens() -> None:
    stack = new_stack()
    port = Token.as_number({"Ref": "PortParameter"})
    account = Token.as_string({"Ref": "AccountParameter"})
    built = provider(stack, ports=[port], allowed_principals=[account], allowed_regions=[stack.region])
    assert len(built.target_groups) == 1


@pytest.mark.parametrize(
    "principals",
    [
        ["arn:aws-us-gov:iam::111122223333:user/ops", "arn:aws-us-gov:iam::444455556666:root"],
        ["arn:aws-cn:iam::111122223333:root", "444455556666"],
        ["*"],
    ],
)
def test_accepts_partition_arns_and_allow_all(principals: list[str]) -> None:
    provider(allowed_principals=principals, allow_all_principals=True)


def test_accepts_access_logs_with_a_concrete_region() -> None:
    stack = Stack(new_app(), "Test", env=Environment(account="111122223333", region="eu-west-1"))
    bucket = s3.Bucket.from_bucket_name(stack, "Logs", "my-logs")
    provider(stack, access_logs_bucket=bucket, access_logs_prefix="nlb")
    balancers = Template.from_stack(stack).find_resources("AWS::ElasticLoadBalancingV2::LoadBalancer")
    (balancer,) = balancers.values()
    attributes = {a["Key"]: a["Value"] for a in balancer["Properties"]["LoadBalancerAttributes"]}
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["access_logs.s3.bucket"] == "my-logs"
    assert attributes["access_logs.s3.prefix"] == "nlb"
