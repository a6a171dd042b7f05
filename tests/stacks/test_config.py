"""The app config: defaults, every error with its path, all at once, and the file override."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from stacks.config import (
    AppConfig,
    ConfigError,
    EnvConfig,
    ProviderConfig,
    load_config,
    parse_config,
)
from tests.conftest import default_config


def problems_of(data: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    return caught.value.problems


def test_embedded_default_is_valid_and_a_working_demo() -> None:
    config = parse_config(default_config())
    assert config.provider is not None
    assert config.provider.stack_name == "ProviderStack"
    assert config.provider.ports == (5432,)
    assert config.provider.allowed_principals
    assert config.provider.env == EnvConfig()
    assert config.provider.database is not None  # the demo follows a database
    (consumer,) = config.consumers
    assert consumer.stack_name == "ConsumerStack"
    assert consumer.linked
    assert consumer.ports == (5432,)  # taken from the provider it links to


def test_empty_provider_section_takes_the_defaults() -> None:
    assert parse_config({"provider": {}}) == AppConfig(provider=ProviderConfig())


def test_nothing_to_build_is_an_error() -> None:
    assert problems_of({}) == ["nothing to build; give a provider section, a consumers list, or both"]


@pytest.mark.parametrize(
    ("provider", "problem"),
    [
        ({"ports": [5432, 70000]}, "provider.ports[1]: 70000 is not a TCP port (1-65535)"),
        ({"ports": ["5432"]}, "provider.ports[0]: expected an integer, got '5432' (a string)"),
        ({"ports": 5432}, "provider.ports: expected a list, got 5432 (a number)"),
        ({"ports": []}, "provider.ports: at least one TCP port is required, got none"),
        ({"prots": [5432]}, "provider.prots: unknown key; did you mean 'ports'? (allowed: "),
        ({"allowed_principals": ["42"]}, "provider.allowed_principals[0]: '42' is not a 12-digit account ID"),
        (
            {"allowed_principals": ["*"]},
            "provider.allowed_principals[0]: '*' would let every AWS account connect; "
            "set allow_all_principals: true to mean it",
        ),
        ({"acceptance_required": "yes"}, "provider.acceptance_required: expected true or false, got 'yes'"),
        (
            {"target_type": "lambda"},
            "provider.target_type: 'lambda' is not allowed; expected one of 'ip', 'instance', 'alb'",
        ),
        ({"allowed_regions": ["eu_west_1"]}, "provider.allowed_regions[0]: 'eu_west_1' is not an AWS region"),
        (
            {"supported_ip_address_types": ["ipv4", "ipv6"]},
            "provider.supported_ip_address_types: 'ipv6' needs a dualstack NLB; set dualstack: true",
        ),
        ({"dualstack": True}, "provider.dualstack: a dualstack NLB needs IPv6 subnets; set vpc.ipv6: true"),
        ({"vpc": {"cidr": "10.0.0.0/33"}}, "provider.vpc.cidr: '10.0.0.0/33' is not an IPv4 CIDR block"),
        (
            {"vpc": {"cidr": "10.0.0.0/8"}},
            "provider.vpc.cidr: '10.0.0.0/8' must have a prefix between /16 and /28",
        ),
        ({"vpc": {"max_azs": 0}}, "provider.vpc.max_azs: 0 is out of range (1-6)"),
        (
            {"vpc": {"vpc_id": "vpc-1", "subnet_ids": ["subnet-1"]}},
            "provider.vpc.availability_zones: list the zone of each subnet in subnet_ids "
            "(1 subnets, 0 zones)",
        ),
        (
            {"vpc": {"vpc_id": "vpc-1"}},
            "provider.vpc.subnet_ids: an existing VPC needs its private subnet IDs",
        ),
        ({"env": {"account": "1234"}}, "provider.env.account: '1234' is not a 12-digit account ID"),
        (
            {"env": {"region": "eu-west-1"}},
            "provider.vpc.availability_zone_ids: a stack with env.region needs",
        ),
        (
            {
                "private_dns_name": "db.example.com",
                "public_hosted_zone": {"zone_id": "Z1", "zone_name": "example.org"},
            },
            "provider.public_hosted_zone.zone_name: zone 'example.org' does not contain "
            "private_dns_name 'db.example.com'",
        ),
        ({"private_dns_name": "not a name"}, "provider.private_dns_name: 'not a name' is not a DNS name"),
        (
            {"notifications": {"events": ["Connected"]}},
            "provider.notifications.events[0]: 'Connected' is not allowed; expected one of",
        ),
        (
            {"notifications": {"topic_arn": "my-topic"}},
            "provider.notifications.topic_arn: 'my-topic' is not an SNS",
        ),
        (
            {"health_check": {"protocol": "tcp", "path": "/"}},
            "provider.health_check.path: a path needs protocol http",
        ),
        ({"log_retention_days": 42}, "provider.log_retention_days: 42 is not a CloudWatch Logs retention"),
        (
            {"deregistration_delay_seconds": 4000},
            "provider.deregistration_delay_seconds: 4000 is out of range",
        ),
        ({"database": {"hostname": "db_1"}}, "provider.database.hostname: 'db_1' is not a DNS name"),
        ({"database": {}}, "provider.database.hostname: required, but missing"),
        (
            {"database": {"hostname": "db.example.com", "create_elb_endpoint": True}},
            "provider.database.create_elb_endpoint: the endpoints are for an updater in the VPC; "
            "set in_vpc: true",
        ),
        (
            {"database": {"hostname": "db.example.com", "failover_wait_seconds": 600}},
            "provider.database.failover_wait_seconds: 600 seconds is over the 5 minute maximum",
        ),
        (
            {"database": {"hostname": "db.example.com", "failover_wait_seconds": -1}},
            "provider.database.failover_wait_seconds: -1 seconds is negative; expected 0 to 5 minutes",
        ),
        (
            {"database": {"hostname": "db.example.com", "schedule_minutes": 0}},
            "provider.database.schedule_minutes: 0 minutes is below EventBridge's 1 minute minimum",
        ),
        (
            {"database": {"hostname": "db.example.com", "max_removals_per_run": 0}},
            "provider.database.max_removals_per_run: 0 would stop every removal; expected 1 or more",
        ),
        (
            {"database": {"hostname": "db.example.com", "reserved_concurrency": 0}},
            "provider.database.reserved_concurrency: 0 would stop every run; expected 1 or more, or leave "
            "it out (the default: runs never overlap without it)",
        ),
        (
            {"database": {"hostname": "db.example.com"}, "alarm_topic_arn": "ops"},
            "provider.alarm_topic_arn: 'ops' is not an SNS topic ARN",
        ),
        (
            {"database": {"hostname": "db.example.com"}, "target_type": "instance"},
            "provider.database: the updater registers IP targets; set target_type: ip (got instance)",
        ),
        ({"target_cidrs": ["::/0"]}, "provider.target_cidrs[0]: '::/0' would allow every address"),
        ({"target_cidrs": ["10.1.0.0/40"]}, "provider.target_cidrs[0]: '10.1.0.0/40' is not a CIDR block"),
    ],
)
def test_reports_problem_with_its_path(provider: dict[str, Any], problem: str) -> None:
    problems = problems_of({"provider": provider})
    assert any(p.startswith(problem) for p in problems), problems


def test_reports_every_problem_at_once() -> None:
    problems = problems_of(
        {"provider": {"ports": [0, 70000], "allowed_principals": ["x"], "colour": "blue"}, "x": 1}
    )
    assert len(problems) == 5
    with pytest.raises(ConfigError, match=re.escape("invalid privatelink config (5 problems):\n  - ")):
        parse_config(
            {"provider": {"ports": [0, 70000], "allowed_principals": ["x"], "colour": "blue"}, "x": 1}
        )


def test_root_must_be_a_mapping() -> None:
    assert problems_of(["provider"])[0] == "the config must be a mapping (provider, consumers), got a list"


def test_existing_vpc_by_attributes() -> None:
    config = parse_config(
        {
            "provider": {
                "vpc": {
                    "vpc_id": "vpc-0123",
                    "cidr": "10.1.0.0/16",
                    "availability_zones": ["eu-west-1a", "eu-west-1b"],
                    "subnet_ids": ["subnet-a", "subnet-b"],
                }
            }
        }
    )
    assert config.provider is not None
    assert config.provider.vpc.existing


def context_of(values: dict[str, Any]) -> Any:
    return values.get


def test_load_prefers_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "link.yaml"
    path.write_text("provider:\n  stack_name: Other\n  ports: [3306]\n", encoding="utf-8")
    config = load_config(context_of({"config": str(path), "privatelink": default_config()}))
    assert config.provider is not None
    assert config.provider.stack_name == "Other"
    assert config.provider.ports == (3306,)
    assert config.consumers == ()


def test_load_reads_json_files(tmp_path: Path) -> None:
    path = tmp_path / "link.json"
    path.write_text(json.dumps({"provider": {"ports": [1433]}}), encoding="utf-8")
    provider = load_config(context_of({"config": str(path)})).provider
    assert provider is not None
    assert provider.ports == (1433,)


def test_load_falls_back_to_cdk_json_context() -> None:
    assert load_config(context_of({"privatelink": default_config()})) == parse_config(default_config())


def test_load_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config: file '.*missing\.yaml' does not exist"):
        load_config(context_of({"config": str(tmp_path / "missing.yaml")}))


def test_load_names_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid JSON/YAML"):
        load_config(context_of({"config": str(path)}))


FOREIGN = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"


@pytest.mark.parametrize(
    ("consumer", "problem"),
    [
        (
            {"service_name": "vpce-svc-1"},
            "consumers[0].service_name: 'vpce-svc-1' is not an endpoint service name",
        ),
        (
            {"service_name": FOREIGN},
            "consumers[0].ports: the provider's TCP ports are required with a service_name",
        ),
        ({"service_name": FOREIGN, "ports": [0]}, "consumers[0].ports[0]: 0 is not a TCP port"),
        (
            {"allowed_peers": [{"cidr": "0.0.0.0/0"}]},
            "consumers[0].allowed_peers[0].cidr: '0.0.0.0/0' would allow every address",
        ),
        (
            {"allowed_peers": [{"cidr": "10.0.0.0/33"}]},
            "consumers[0].allowed_peers[0].cidr: '10.0.0.0/33' is not a CIDR block",
        ),
        (
            {"allowed_peers": [{}]},
            "consumers[0].allowed_peers[0]: give exactly one of cidr, security_group_id",
        ),
        (
            {"allowed_peers": [{"security_group_id": "group"}]},
            "consumers[0].allowed_peers[0].security_group_id: 'group'",
        ),
        ({"allowed_peers": "10.0.0.0/8"}, "consumers[0].allowed_peers: expected a list"),
        (
            {"private_hosted_zone": {"name": "example.com", "records": ["db.example.org"]}},
            "consumers[0].private_hosted_zone.records[0]: 'db.example.org' is not in the zone 'example.com'",
        ),
        ({"ip_address_type": "ipv5"}, "consumers[0].ip_address_type: 'ipv5' is not allowed; expected one of"),
        ({"ip_address_type": "dualstack"}, "consumers[0].ip_address_type: 'dualstack' needs IPv6 subnets"),
        (
            {"dns_record_ip_type": "ipv6"},
            "consumers[0].dns_record_ip_type: 'ipv6' records need an endpoint with IPv6",
        ),
        ({"service_region": "nowhere"}, "consumers[0].service_region: 'nowhere' is not an AWS region"),
        ({"name": "has space"}, "consumers[0].name: 'has space' must be letters, digits and hyphens"),
        (
            {
                "env": {"account": "222233334444", "region": "eu-west-1"},
                "vpc": {"availability_zones": ["eu-west-1a"]},
            },
            "consumers[0].service_name: required when the consumer's env differs from the provider's",
        ),
        ({"colour": "blue"}, "consumers[0].colour: unknown key"),
    ],
)
def test_reports_consumer_problem_with_its_path(consumer: dict[str, Any], problem: str) -> None:
    problems = problems_of({"provider": {}, "consumers": [consumer]})
    assert any(p.startswith(problem) for p in problems), problems


def test_linked_consumer_ports_must_be_the_providers() -> None:
    problems = problems_of({"provider": {"ports": [5432]}, "consumers": [{"ports": [5432, 3306]}]})
    assert problems == ["consumers[0].ports: [3306] are not ports of this app's provider ([5432])"]


def test_linked_consumer_private_dns_needs_the_providers_name() -> None:
    problems = problems_of({"provider": {}, "consumers": [{"private_dns_enabled": True}]})
    assert problems[0].startswith(
        "consumers[0].private_dns_enabled: true, but this app's provider has no private DNS name: "
        "CloudFormation would fail the endpoint; set provider.private_dns_name, or use private_hosted_zone"
    )
    config = parse_config(
        {
            "provider": {
                "private_dns_name": "db.example.com",
                "public_hosted_zone": {"zone_id": "Z1", "zone_name": "example.com"},
            },
            "consumers": [{"private_dns_enabled": True}],
        }
    )
    assert config.consumers[0].private_dns_enabled


def test_linked_consumer_needs_a_provider() -> None:
    problems = problems_of({"consumers": [{}]})
    assert problems == ["consumers[0].service_name: required, since this app has no provider section"]


def test_consumers_only_app() -> None:
    config = parse_config(
        {"consumers": [{"service_name": FOREIGN, "ports": [5432], "service_region": "us-east-1"}]}
    )
    assert config.provider is None
    assert config.consumers[0].stack_name == "ConsumerStack"


def test_several_consumers_get_one_stack_each() -> None:
    config = parse_config(
        {
            "provider": {},
            "consumers": [
                {"name": "analytics"},
                {"name": "billing", "service_name": FOREIGN, "ports": [3306]},
            ],
        }
    )
    assert [c.stack_name for c in config.consumers] == ["ConsumerStack-analytics", "ConsumerStack-billing"]


def test_several_consumers_need_names_and_unique_stacks() -> None:
    problems = problems_of({"provider": {}, "consumers": [{}, {"name": "a", "stack_name": "ProviderStack"}]})
    assert "consumers[0].name: required when there are several consumers (it names the stack)" in problems
    taken = "consumers[1].stack_name: 'ProviderStack' is already the stack name of provider.stack_name"
    assert taken in problems


def test_consumers_must_be_a_list() -> None:
    assert "consumers: expected a list, got a mapping" in problems_of(
        {"provider": {}, "consumers": {"name": "a"}}
    )


def test_one_problem_is_one_problem() -> None:
    with pytest.raises(ConfigError, match=re.escape("invalid privatelink config (1 problem):\n")):
        parse_config({"provider": {"ports": [0]}})


def test_nested_problems_and_sibling_problems_come_together() -> None:
    problems = problems_of(
        {
            "provider": {
                "vpc": {"cidr": "10.0.0.0/8"},
                "ports": [0],
                "health_check": {"interval_seconds": 1},
            },
            "consumers": [{"allowed_peers": [{"cidr": "0.0.0.0/0"}]}, {"name": "b", "service_name": "x"}],
        }
    )
    assert problems == [
        "provider.vpc.cidr: '10.0.0.0/8' must have a prefix between /16 and /28 (VPC limits)",
        "provider.ports[0]: 0 is not a TCP port (1-65535)",
        "provider.health_check.interval_seconds: 1 is out of range (5-300)",
        "consumers[0].allowed_peers[0].cidr: '0.0.0.0/0' would allow every address; "
        "name the networks you mean",
        "consumers[1].service_name: 'x' is not an endpoint service name; expected "
        "com.amazonaws.vpce.<region>.vpce-svc-<17 hex digits> (cn.com.amazonaws.vpce... in China)",
    ]


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [("prots", "ports"), ("alowed_principals", "allowed_principals"), ("helth_check", "health_check")],
)
def test_unknown_key_suggests_the_closest(key: str, suggestion: str) -> None:
    (problem,) = problems_of({"provider": {key: 1}})
    assert problem.startswith(f"provider.{key}: unknown key; did you mean {suggestion!r}? (allowed: ")


def test_unknown_key_deep_inside_suggests_from_its_own_section() -> None:
    (problem,) = problems_of({"consumers": [{"service_name": FOREIGN, "ports": [1], "vpc": {"cdir": "x"}}]})
    assert problem.startswith(
        "consumers[0].vpc.cdir: unknown key; did you mean 'cidr'? "
        "(allowed: availability_zone_ids, availability_zones"
    )


def test_yaml_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "link.yaml"
    path.write_text(
        "provider:\n  acceptance_required: true\n  acceptance_required: false\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"line 3: key 'acceptance_required' appears twice in one mapping"):
        load_config(context_of({"config": str(path)}))


def test_json_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "link.json"
    path.write_text('{"provider": {"ports": [1], "ports": [2]}}', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'ports' appears twice in one object"):
        load_config(context_of({"config": str(path)}))


def test_unquoted_account_in_yaml_says_what_yaml_made_of_it(tmp_path: Path) -> None:
    path = tmp_path / "link.yaml"
    path.write_text("provider:\n  env: {account: 011122223333}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(context_of({"config": str(path)}))
    assert caught.value.problems == [
        "provider.env.account: expected a string, got 011122223333 (unquoted, YAML reads it as the number "
        f"{int('011122223333', 8)}); quote it, like '011122223333'"
    ]


def test_left_out_values_keep_the_constructs_defaults() -> None:
    provider = parse_config({"provider": {}}).provider
    assert provider is not None
    # None means "the construct decides": the config declares no default of its own.
    left_out = [
        provider.acceptance_required,
        provider.cross_zone,
        provider.target_type,
        provider.health_check,
        provider.log_retention_days,
        provider.supported_ip_address_types,
        provider.deregistration_delay_seconds,
    ]
    assert left_out == [None] * len(left_out)


def test_notifications_section_turns_them_on() -> None:
    provider = parse_config({"provider": {"notifications": {}}}).provider
    assert provider is not None
    assert provider.notifications is not None
    assert provider.notifications.enabled
    assert provider.notifications.events is None  # the construct's default: every event


@pytest.mark.parametrize(
    ("provider", "problem"),
    [
        ({"removal_policy": "delete"}, "provider.removal_policy: 'delete' is not allowed; expected one of"),
        ({"tags": {"team": 5}}, "provider.tags.team: expected a string, got 5 (a number)"),
        (
            {"allowed_principals": ["111122223333\n"]},
            "provider.allowed_principals[0]: '111122223333\\n' is not",
        ),
        ({"log_retention_days": 1096}, None),
    ],
)
def test_new_keys_are_checked(provider: dict[str, Any], problem: str | None) -> None:
    if problem is None:
        parse_config({"provider": provider})
    else:
        assert any(p.startswith(problem) for p in problems_of({"provider": provider})), problems_of(
            {"provider": provider}
        )
