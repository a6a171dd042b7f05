"""The config refuses what a user cannot have meant (issue 8), by the library's own rules, at its paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Annotations, Match, Template

from stacks import build_app
from stacks.config import ConfigError, load_config, parse_config
from tests.conftest import new_app

SNS_FORM = "arn:<partition>:sns:<region>:<12-digit account>:<topic name>"
IN_EU: dict[str, Any] = {
    "env": {"account": "111122223333", "region": "eu-west-1"},
    "vpc": {"availability_zones": ["eu-west-1a"]},
}
IN_CHINA: dict[str, Any] = {"env": {"region": "cn-north-1"}, "vpc": {"availability_zones": ["cn-north-1a"]}}
DB = {"hostname": "orders.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com"}
QUOTA_ADVICE = (
    "over the quota of 60 per direction and IP version (the VPC default); name fewer, wider networks "
    "(or a security group), or set security_group_rule_quota to your account's raised quota"
)
RDS_FORM = (
    "expected 1-63 lower-case letters, digits and single hyphens, starting with a letter and not "
    "ending with a hyphen"
)


def problems_of(data: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    return caught.value.problems


@pytest.mark.parametrize(
    ("provider", "problem"),
    [
        (
            {"allowed_principals": ["*"], "allow_all_principals": True, "acceptance_required": False},
            "provider.acceptance_required: turned off with '*' in allowed_principals would let every AWS "
            "account connect with no decision; set allow_all_principals_without_acceptance: true to mean it",
        ),
        (
            {
                "allowed_principals": ["111122223333"],
                "auto_accept_principals": ["111122223333", "444455556666"],
            },
            "provider.auto_accept_principals[1]: '444455556666' is not allowed to connect "
            "(allowed_principals has neither the account ID, its root ARN nor '*'), so it could never be "
            "accepted; allow the account or remove it here",
        ),
        (
            {"allowed_principals": ["arn:aws:iam::444455556666:user/ops/alice"]},
            "provider.allowed_principals[0]: 'arn:aws:iam::444455556666:user/ops/alice' has a path "
            "('/ops/'), and endpoint service permissions take no principal ARNs with paths; allow the "
            "account, or a role or user without a path",
        ),
        (
            {"target_cidrs": ["10.1.2.3/8"]},
            "provider.target_cidrs[0]: '10.1.2.3/8' has host bits set (its network is '10.0.0.0/8')",
        ),
        (
            {"target_cidrs": ["0::/0"]},
            "provider.target_cidrs[0]: '0::/0' is not canonical (write '::/0') and would allow every "
            "address; name the networks you mean",
        ),
        (
            {"target_cidrs": ["192.168.0.0/16", "0.0.0.0/1"]},
            "provider.target_cidrs[1]: '0.0.0.0/1' is a /1, nearly every address (shorter than /8); "
            "name smaller networks; set allow_broad_cidrs: true to mean it",
        ),
        (
            {"vpc": {"cidr": "10.40.1.0/16"}},
            "provider.vpc.cidr: '10.40.1.0/16' has host bits set (its network is '10.40.0.0/16')",
        ),
        (
            {**IN_EU, "allowed_principals": ["arn:aws-cn:iam::444455556666:root"]},
            "provider.allowed_principals[0]: 'arn:aws-cn:iam::444455556666:root' is in partition 'aws-cn', "
            "but this stack deploys to 'aws': an endpoint service and its consumers share one partition",
        ),
        (
            {"allowed_principals": ["arn:aws:iam::111122223333:root", "arn:aws-cn:iam::444455556666:root"]},
            "provider.allowed_principals[1]: 'arn:aws-cn:iam::444455556666:root' is in partition 'aws-cn', "
            "but allowed_principals[0] is in 'aws': an endpoint service and its consumers share one "
            "partition",
        ),
        (
            {**IN_EU, "allowed_regions": ["us-east-1", "cn-northwest-1"]},
            "provider.allowed_regions[1]: 'cn-northwest-1' is in partition 'aws-cn', but this stack deploys "
            "to 'aws': cross-region PrivateLink stays within one partition",
        ),
        (
            {"notifications": {"topic_arn": "arn:aws:s3:::my-bucket"}},
            "provider.notifications.topic_arn: 'arn:aws:s3:::my-bucket' is an ARN of service 's3', not an "
            f"SNS topic; expected {SNS_FORM}",
        ),
        (
            {"database": DB, "alarm_topic_arn": "arn:aws:lambda:eu-west-1:111122223333:function:f"},
            "provider.alarm_topic_arn: 'arn:aws:lambda:eu-west-1:111122223333:function:f' is an "
            f"ARN of service 'lambda', not an SNS topic; expected {SNS_FORM}",
        ),
        (
            {**IN_CHINA, "database": DB, "alarm_topic_arn": "arn:aws:sns:eu-west-1:111122223333:ops"},
            "provider.alarm_topic_arn: 'arn:aws:sns:eu-west-1:111122223333:ops' is in partition "
            "'aws', but this stack deploys to 'aws-cn'",
        ),
        (
            {
                **IN_EU,
                "allowed_principals": ["444455556666"],
                "auto_accept_principals": ["444455556666"],
                "notifications": {"topic_arn": "arn:aws:sns:eu-west-1:999988887777:links"},
            },
            "provider.notifications.topic_arn: 'arn:aws:sns:eu-west-1:999988887777:links' belongs to account "
            "'999988887777', not this stack's account '111122223333'; the auto-acceptor subscribes to it, "
            "so use a topic of this account",
        ),
        (
            {"private_dns_name": "db.amazonaws.com"},
            "provider.private_dns_name: 'db.amazonaws.com' is under 'amazonaws.com', which AWS owns; "
            "use a domain you own",
        ),
        (
            {"private_dns_name": "10.0.0.1"},
            "provider.private_dns_name: '10.0.0.1' is an IP address; expected a DNS name in a domain you own",
        ),
        (
            {"database": {**DB, "source_identifiers": ["*"]}},
            "provider.database.source_identifiers[0]: '*' is no wildcard here: the RDS event rule would "
            "match it literally and never fire; list the DB instance, cluster or proxy identifiers",
        ),
        (
            {"database": {**DB, "source_identifiers": ["orders", ""]}},
            "provider.database.source_identifiers[1]: '' is empty: the RDS event rule would never fire; "
            + RDS_FORM,
        ),
        (
            {
                "ports": list(range(5000, 5030)),
                "target_cidrs": ["192.168.0.0/16"],
                "health_check": {"port": 8080},
            },
            "provider.target_cidrs: the NLB's security group would need 62 outbound IPv4 rules "
            f"(2 networks x 31 ports), {QUOTA_ADVICE}",
        ),
        (
            {"security_group_rule_quota": 0},
            "provider.security_group_rule_quota: 0 is out of range (1 or more)",
        ),
    ],
)
def test_refuses_provider(provider: dict[str, Any], problem: str) -> None:
    assert problems_of({"provider": provider}) == [problem]


@pytest.mark.parametrize(
    "provider",
    [
        {
            "allowed_principals": ["*"],
            "allow_all_principals": True,
            "acceptance_required": False,
            "allow_all_principals_without_acceptance": True,
        },
        {"target_cidrs": ["0.0.0.0/1", "128.0.0.0/1"], "allow_broad_cidrs": True},
        {
            "allowed_principals": ["arn:aws:iam::444455556666:root"],
            "auto_accept_principals": ["444455556666"],
        },
        {**IN_CHINA, "allowed_principals": ["arn:aws-cn:iam::444455556666:root", "111122223333"]},
        {
            "ports": list(range(5000, 5030)),
            "target_cidrs": ["192.168.0.0/16"],
            "health_check": {"port": 8080},
            "security_group_rule_quota": 100,
        },
    ],
)
def test_accepts_what_is_named(provider: dict[str, Any]) -> None:
    assert parse_config({"provider": provider}).provider is not None


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("database", "max_removals_per_run"),
        ("database", "schedule_minutes"),
        ("database", "failover_wait_seconds"),
        (None, "security_group_rule_quota"),
        (None, "deregistration_delay_seconds"),
        ("health_check", "interval_seconds"),
        ("vpc", "max_azs"),
    ],
)
def test_booleans_are_no_numbers(section: str | None, key: str) -> None:
    provider: dict[str, Any] = {key: True} if section is None else {section: {key: True}}
    if section == "database":
        provider["database"].update(DB)
    path = f"provider.{key}" if section is None else f"provider.{section}.{key}"
    assert problems_of({"provider": provider}) == [f"{path}: expected an integer, got true (a boolean)"]


@pytest.mark.parametrize(
    ("provider", "path"),
    [
        ({"env": {"account": "111122223333\n"}}, "provider.env.account"),
        ({"env": {"region": "eu-west-1\n"}}, "provider.env.region"),
        ({"allowed_principals": ["arn:aws:iam::111122223333:root\n"]}, "provider.allowed_principals[0]"),
        ({"database": {"hostname": "db.example.com\n"}}, "provider.database.hostname"),
        ({"private_dns_name": "db.example.com\n"}, "provider.private_dns_name"),
        (
            {"notifications": {"topic_arn": "arn:aws:sns:eu-west-1:111122223333:t\n"}},
            "provider.notifications.topic_arn",
        ),
    ],
)
def test_trailing_newlines_are_refused(provider: dict[str, Any], path: str) -> None:
    problems = problems_of({"provider": provider})
    assert [p for p in problems if p.startswith(path + ": ")], problems


def test_trailing_newline_in_a_service_name() -> None:
    name = "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0\n"
    (problem,) = problems_of({"consumers": [{"service_name": name, "ports": [5432]}]})
    assert problem.startswith(
        "consumers[0].service_name: 'com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0\\n'"
    )


class TestConsumers:
    def test_service_region_in_the_stacks_partition(self) -> None:
        consumer = {
            **IN_CHINA,
            "service_name": "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
            "service_region": "us-east-1",
            "ports": [5432],
        }
        assert problems_of({"consumers": [consumer]}) == [
            "consumers[0].service_region: 'us-east-1' is in partition 'aws', but this stack deploys to "
            "'aws-cn': cross-region PrivateLink stays within one partition"
        ]

    def test_peer_cidrs(self) -> None:
        assert problems_of(
            {"provider": {}, "consumers": [{"allowed_peers": [{"cidr": "10.60.1.0/16"}]}]}
        ) == [
            "consumers[0].allowed_peers[0].cidr: '10.60.1.0/16' has host bits set "
            "(its network is '10.60.0.0/16')"
        ]
        assert problems_of({"provider": {}, "consumers": [{"allowed_peers": [{"cidr": "::/1"}]}]}) == [
            "consumers[0].allowed_peers[0].cidr: '::/1' is a /1, nearly every address (shorter than /16); "
            "name smaller networks; set allow_broad_cidrs: true to mean it"
        ]
        parse_config(
            {"provider": {}, "consumers": [{"allowed_peers": [{"cidr": "::/1"}], "allow_broad_cidrs": True}]}
        )

    def test_private_hosted_zone_under_amazonaws(self) -> None:
        zone = {"name": "amazonaws.com", "records": ["db.amazonaws.com"]}
        assert problems_of({"provider": {}, "consumers": [{"private_hosted_zone": zone}]}) == [
            "consumers[0].private_hosted_zone.name: 'amazonaws.com' is under 'amazonaws.com', which AWS "
            "owns; use a domain you own"
        ]

    def test_inbound_rules_of_a_linked_consumer_count_the_providers_ports(self) -> None:
        peers = [{"cidr": f"10.{i}.0.0/16"} for i in range(30)] + [
            {"security_group_id": "sg-0123456789abcdef0"}
        ]
        assert problems_of(
            {"provider": {"ports": [5432, 6432]}, "consumers": [{"allowed_peers": peers}]}
        ) == [
            "consumers[0].allowed_peers: the endpoint's security group would need 62 inbound IPv4 rules "
            f"(31 peers x 2 ports), {QUOTA_ADVICE}"
        ]

    def test_inbound_rules_of_a_foreign_consumer(self) -> None:
        consumer = {
            "service_name": "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0",
            "ports": [5432],
            "allowed_peers": [{"cidr": f"fd00:{i + 1}::/32"} for i in range(61)],
        }
        assert problems_of({"consumers": [consumer]}) == [
            "consumers[0].allowed_peers: the endpoint's security group would need 61 inbound IPv6 rules "
            f"(61 peers x 1 port), {QUOTA_ADVICE}"
        ]
        parse_config({"consumers": [{**consumer, "security_group_rule_quota": 61}]})


class TestLinkAgrees:
    """``link`` allows the provider's own account for linked consumers: auto-accepting it is fine."""

    def test_a_linked_consumers_account_may_be_auto_accepted(self) -> None:
        provider: dict[str, Any] = {
            **IN_EU,
            "allowed_principals": ["444455556666"],
            "auto_accept_principals": ["111122223333"],
        }
        config = parse_config(
            {
                "provider": provider,
                "consumers": [
                    {**IN_EU, "vpc": {"cidr": "10.60.0.0/16", "availability_zones": ["eu-west-1a"]}}
                ],
            }
        )
        built = build_app(new_app(), config)
        assert built.provider is not None
        permissions = Template.from_stack(built.provider).find_resources(
            "AWS::EC2::VPCEndpointServicePermissions"
        )
        assert len(next(iter(permissions.values()))["Properties"]["AllowedPrincipals"]) == 2

    def test_without_a_linked_consumer_the_account_must_be_allowed(self) -> None:
        problems = problems_of(
            {
                "provider": {
                    **IN_EU,
                    "allowed_principals": ["444455556666"],
                    "auto_accept_principals": ["111122223333"],
                }
            }
        )
        assert problems == [
            "provider.auto_accept_principals[0]: '111122223333' is not allowed to connect "
            "(allowed_principals has neither the account ID, its root ARN nor '*'), so it could never be "
            "accepted; allow the account or remove it here"
        ]

    def test_an_environment_agnostic_provider_does_not_know_its_own_account(self) -> None:
        problems = problems_of({"provider": {"auto_accept_principals": ["111122223333"]}, "consumers": [{}]})
        assert problems[0].startswith("provider.auto_accept_principals[0]: '111122223333' is not allowed")


def test_open_to_every_account_builds_with_a_warning() -> None:
    config = parse_config(
        {
            "provider": {
                "allowed_principals": ["*"],
                "allow_all_principals": True,
                "acceptance_required": False,
                "allow_all_principals_without_acceptance": True,
            }
        }
    )
    built = build_app(new_app(), config)
    assert built.provider is not None
    warnings = Annotations.from_stack(built.provider).find_warning(
        "/ProviderStack/Provider", Match.string_like_regexp("Every AWS account may connect")
    )
    assert len(warnings) == 1


class TestDuplicateKeys:
    def context(self, values: dict[str, Any]) -> Any:
        return values.get

    def test_cdk_json_keys_written_twice_are_refused(self, tmp_path: Path) -> None:
        cdk_json = tmp_path / "cdk.json"
        cdk_json.write_text(
            '{"app": "x", "context": {"privatelink": {"provider": {"acceptance_required": true, '
            '"acceptance_required": false}}}}',
            encoding="utf-8",
        )
        context = {"privatelink": {"provider": {"acceptance_required": False}}}
        with pytest.raises(ConfigError) as caught:
            load_config(self.context(context), cdk_json=cdk_json)
        assert caught.value.problems == [f"{cdk_json}: key 'acceptance_required' appears twice in one object"]

    def test_a_clean_cdk_json_is_only_read(self, tmp_path: Path) -> None:
        cdk_json = tmp_path / "cdk.json"
        cdk_json.write_text(json.dumps({"context": {"privatelink": {"provider": {}}}}), encoding="utf-8")
        config = load_config(
            self.context({"privatelink": {"provider": {"ports": [1433]}}}), cdk_json=cdk_json
        )
        assert config.provider is not None
        assert config.provider.ports == (1433,)  # the context the CLI passes is what counts

    def test_yaml_merge_keys_may_be_overridden(self, tmp_path: Path) -> None:
        path = tmp_path / "link.yaml"
        path.write_text(
            "provider: {}\n"
            "consumers:\n"
            "  - &analytics {name: analytics, allowed_peers: [{cidr: 10.60.0.0/16}]}\n"
            "  - <<: *analytics\n"
            "    name: billing\n",
            encoding="utf-8",
        )
        config = load_config(self.context({"config": str(path)}))
        assert [c.name for c in config.consumers] == ["analytics", "billing"]

    def test_two_merge_keys_are_a_duplicate(self, tmp_path: Path) -> None:
        path = tmp_path / "link.yaml"
        path.write_text("provider:\n  <<: {ports: [1]}\n  <<: {ports: [2]}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"line 3: key '<<' appears twice in one mapping"):
            load_config(self.context({"config": str(path)}))


@pytest.mark.parametrize(
    ("provider", "problem"),
    [
        (
            {"database": {"hostname": "10.0.0.1"}},
            "provider.database.hostname: '10.0.0.1' is an IP address; give the database's DNS name "
            "(an address never follows a failover)",
        ),
        (
            {"database": {"hostname": "db.example.com", "mode": "rds-instance"}},
            "provider.database.identifier: required with mode rds-instance: the hostname shows no RDS "
            "cluster or instance identifier",
        ),
        (
            {"database": {**DB, "mode": "rds-instance"}},
            "provider.database.mode: rds-instance does not follow hostname cluster endpoint 'orders'; "
            "use rds-cluster-writer or another hostname",
        ),
        (
            {"target_cidrs": ["8.8.0.0/16"], "database": DB},
            "provider.target_cidrs[0]: '8.8.0.0/16' is not inside 10.0.0.0/8, 172.16.0.0/12, "
            "192.168.0.0/16 or 100.64.0.0/10; ELB registers no other address outside the VPC",
        ),
    ],
    ids=["ip-hostname", "mode-without-identifier", "mode-against-hostname", "updater-cidr"],
)
def test_the_updaters_rules_answer_at_config_paths(provider: dict[str, Any], problem: str) -> None:
    # Before, these passed the config and stopped the synth inside the construct with a traceback.
    assert problems_of({"provider": provider}) == [problem]


def test_an_explicit_mode_that_fits_the_hostname_passes() -> None:
    config = parse_config({"provider": {"database": {**DB, "mode": "rds-cluster-writer"}}})
    assert config.provider is not None
    assert config.provider.database is not None
    assert config.provider.database.mode == "rds-cluster-writer"
