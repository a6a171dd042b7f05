"""The shared rules as plain Python: full-string matching, CIDRs, numbers, ARNs, identifiers."""

from __future__ import annotations

import ipaddress

import pytest
from aws_cdk import Aws, Fn
from hypothesis import given
from hypothesis import strategies as st

from privatelink_constructs import rules
from privatelink_constructs.rules import Problem

SERVICE = "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0"


def messages(problems: list[Problem]) -> list[str]:
    return [problem.render() for problem in problems]


class TestWholeStringMatching:
    """``$`` matches before a trailing newline; every rule must refuse one (and foreign digits)."""

    @pytest.mark.parametrize("suffix", ["\n", " ", "\t"])
    def test_account(self, suffix: str) -> None:
        assert not rules.is_account_id("111122223333" + suffix)
        assert messages(rules.check_principals(["111122223333" + suffix], argument="p")) == [
            f"p[0]: {'111122223333' + suffix!r} is not a 12-digit account ID or an IAM ARN of an account "
            "root, role or user"
        ]

    def test_account_in_other_scripts_digits(self) -> None:
        assert not rules.is_account_id("١١١١٢٢٢٢٣٣٣٣")  # Arabic-Indic digits are \\d too

    def test_principal_arn(self) -> None:
        assert messages(rules.check_principals(["arn:aws:iam::111122223333:root\n"], argument="p")) == [
            "p[0]: 'arn:aws:iam::111122223333:root\\n' is not an IAM principal ARN; expected "
            "arn:<partition>:iam::<12-digit account>:root, :role/<name> or :user/<name>"
        ]

    def test_principal_arn_with_a_non_ascii_role_name(self) -> None:
        assert rules.check_principals(["arn:aws:iam::111122223333:role/rôle"], argument="p")

    def test_region(self) -> None:
        assert messages(rules.check_region("eu-west-1\n", argument="r")) == [
            "r: 'eu-west-1\\n' is not an AWS region name (like 'eu-west-1')"
        ]

    def test_hostname(self) -> None:
        assert rules.check_dns_name("db.example.com\n", argument="h")
        assert rules.check_dns_name("db.example.com", argument="h") == []

    def test_service_name(self) -> None:
        assert rules.check_service_name(SERVICE + "\n")
        assert rules.check_service_name(SERVICE) == []

    def test_topic_arn(self) -> None:
        assert messages(rules.check_topic_arn("arn:aws:sns:eu-west-1:111122223333:t\n", argument="t")) == [
            "t: 'arn:aws:sns:eu-west-1:111122223333:t\\n' is not an SNS topic ARN; expected "
            "arn:<partition>:sns:<region>:<12-digit account>:<topic name>"
        ]

    def test_source_identifier(self) -> None:
        assert messages(rules.check_source_identifiers(["orders\n"])) == [
            "source_identifiers[0]: 'orders\\n' is not an RDS identifier; expected 1-63 lower-case "
            "letters, digits and single hyphens, starting with a letter and not ending with a hyphen"
        ]


class TestNumbers:
    @pytest.mark.parametrize(
        ("value", "message"),
        [
            (True, "n: True is not a number; expected 1 or more"),
            (False, "n: False is not a number; expected 1 or more"),
            (2.5, "n: 2.5 is not a whole number; expected 1 or more"),
            ("5", "n: '5' is not a number; expected 1 or more"),
            (0, "n: 0 is out of range (1 or more)"),
        ],
    )
    def test_refuses_what_is_no_count(self, value: object, message: str) -> None:
        assert messages(rules.check_range(value, argument="n", low=1, whole=True)) == [message]  # type: ignore[arg-type]

    def test_the_updaters_counts_and_timings(self) -> None:
        assert messages(rules.check_max_removals(0)) == [
            "max_removals_per_run: 0 would stop every removal; expected 1 or more"
        ]
        assert messages(rules.check_max_removals(True)) == [
            "max_removals_per_run: True is not a whole number; expected 1 or more"
        ]
        assert rules.check_max_removals(1) == []
        assert rules.check_reserved_concurrency(None) == rules.check_reserved_concurrency(1) == []
        assert messages(rules.check_reserved_concurrency(False))[0].startswith(
            "reserved_concurrent_executions: False would stop every run"
        )
        assert rules.check_schedule(60, argument="s") == rules.check_failover_wait(300) == []
        assert messages(rules.check_schedule(59, argument="s")) == [
            "s: 59 seconds is below EventBridge's 1 minute minimum"
        ]
        assert messages(rules.check_failover_wait(301, shown="5 minutes 1 second")) == [
            "failover_wait: 5 minutes 1 second is over the 5 minute maximum"
        ]

    def test_a_consumer_fits_its_service(self) -> None:
        assert rules.check_service_ports([5432], [5432, 6432], service="s") == []
        assert messages(rules.check_service_ports([5432, 3306, 1], [5432], service="the service")) == [
            "ports: [1, 3306] are not ports of the service ([5432])"
        ]
        offered = {"service": "the service", "remedy": "do this"}
        assert rules.check_private_dns_offered(None, name=None, usable=False, **offered) == []
        assert rules.check_private_dns_offered(True, name="db.example.com", usable=True, **offered) == []
        assert messages(rules.check_private_dns_offered(True, name=None, usable=False, **offered)) == [
            "private_dns_enabled: true, but the service has no private DNS name: CloudFormation would "
            "fail the endpoint; do this"
        ]
        assert messages(
            rules.check_private_dns_offered(
                True, name="db.example.com", usable=False, state="failed", **offered
            )
        ) == [
            "private_dns_enabled: true, but the service has the private DNS name 'db.example.com', "
            "failed, not verified: CloudFormation would fail the endpoint; do this"
        ]

    def test_a_shown_function_is_called_only_for_a_message(self) -> None:
        def shown() -> str:
            raise AssertionError("called without a problem to report")

        assert rules.check_schedule(120, argument="s", shown=shown) == []
        assert messages(rules.check_schedule(30, argument="s", shown=lambda: "half a minute")) == [
            "s: half a minute is below EventBridge's 1 minute minimum"
        ]

    def test_fractions_pass_where_they_may(self) -> None:
        assert rules.check_range(2.5, argument="n", low=1) == []

    def test_health_check_thresholds_refuse_booleans(self) -> None:
        assert messages(rules.check_health_check(argument="hc", healthy_threshold=True)) == [
            "hc.healthy_threshold: True is not a number; expected 2-10"
        ]

    def test_ports_refuse_booleans(self) -> None:
        assert messages(rules.check_ports([True])) == ["ports[0]: True is not a TCP port (1-65535)"]


class TestCidrs:
    @given(st.ip_addresses(v=4), st.integers(min_value=8, max_value=32))
    def test_every_canonical_ipv4_network_passes(self, address: ipaddress.IPv4Address, prefix: int) -> None:
        network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
        assert rules.check_cidrs([str(network)], argument="c") == []

    @given(st.ip_addresses(v=6), st.integers(min_value=16, max_value=128))
    def test_every_canonical_ipv6_network_passes(self, address: ipaddress.IPv6Address, prefix: int) -> None:
        network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
        assert rules.check_cidrs([str(network)], argument="c") == []

    @given(st.ip_addresses(), st.integers(min_value=1, max_value=127))
    def test_host_bits_are_refused_naming_the_network(
        self, address: ipaddress.IPv4Address | ipaddress.IPv6Address, prefix: int
    ) -> None:
        prefix = min(prefix, address.max_prefixlen)
        network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
        cidr = f"{address}/{prefix}"
        problems = rules.check_cidrs([cidr], argument="c", allow_broad=True)
        if network.network_address == address:
            assert problems == []
        else:
            assert f"has host bits set (its network is {str(network)!r})" in problems[0].message

    @given(st.ip_addresses(v=4), st.integers(min_value=1, max_value=7))
    def test_broad_ipv4_needs_the_flag(self, address: ipaddress.IPv4Address, prefix: int) -> None:
        cidr = str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
        (problem,) = rules.check_cidrs([cidr], argument="c")
        assert problem.fix == rules.Fix("allow_broad_cidrs", value=True, purpose="to mean it")
        assert rules.check_cidrs([cidr], argument="c", allow_broad=True) == []

    @pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0", "0.0.0.0/00", "0::/0", "10.0.0.0/0"])
    def test_every_address_is_refused_even_with_the_flag(self, cidr: str) -> None:
        (problem,) = rules.check_cidrs([cidr], argument="c", allow_broad=True)
        assert problem.message.endswith("would allow every address; name the networks you mean")

    def test_the_halves_of_everything_are_refused(self) -> None:
        assert len(rules.check_cidrs(["0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"], argument="c")) == 4

    def test_tokens_pass(self) -> None:
        assert rules.check_cidrs([Fn.import_value("PeeredCidr")], argument="c") == []

    @pytest.mark.parametrize(
        ("source", "families"),
        [
            ("10.0.0.0/8", ("IPv4",)),
            ("fd00::/8", ("IPv6",)),
            ("sg-0123456789abcdef0", ("IPv4", "IPv6")),
            ("pl-0123456789abcdef0", ("IPv4", "IPv6")),
        ],
    )
    def test_rule_families(self, source: str, families: tuple[str, ...]) -> None:
        assert rules.rule_families(source) == families


class TestPrincipals:
    def test_a_root_arn_with_a_partition_token_still_names_its_account(self) -> None:
        linked = f"arn:{Aws.PARTITION}:iam::111122223333:root"
        assert rules.check_auto_accept_allowed(["111122223333"], [linked]) == []

    def test_tokens_allow_nothing_else(self) -> None:
        assert rules.check_auto_accept_allowed(["111122223333"], [Aws.ACCOUNT_ID])

    def test_partition_of(self) -> None:
        assert rules.partition_of("cn-northwest-1") == "aws-cn"
        assert rules.partition_of("us-gov-west-1") == "aws-us-gov"
        assert rules.partition_of(Aws.REGION) is None
        assert rules.partition_of(None) is None


class TestTopics:
    def test_a_topic_of_this_account_and_partition(self) -> None:
        arn = "arn:aws-cn:sns:cn-north-1:111122223333:links.fifo"
        assert rules.check_topic_arn(arn, argument="t", partition="aws-cn", account="111122223333") == []

    def test_an_unknown_account_or_partition_is_not_judged(self) -> None:
        arn = "arn:aws:sns:eu-west-1:999988887777:links"
        assert rules.check_topic_arn(arn, argument="t", partition=None, account=Aws.ACCOUNT_ID) == []


class TestSourceIdentifiers:
    def test_refusals(self) -> None:
        assert messages(
            rules.check_source_identifiers(["*", "", "Orders", "orders", "orders", "a--b", "b-"])
        ) == [
            "source_identifiers[0]: '*' is no wildcard here: the RDS event rule would match it literally "
            "and never fire; list the DB instance, cluster or proxy identifiers",
            "source_identifiers[1]: '' is empty: the RDS event rule would never fire; expected 1-63 "
            "lower-case letters, digits and single hyphens, starting with a letter and not ending with "
            "a hyphen",
            "source_identifiers[2]: 'Orders' has upper-case letters, but RDS reports identifiers in lower "
            "case; write 'orders'",
            "source_identifiers[4]: 'orders' is listed more than once",
            "source_identifiers[5]: 'a--b' is not an RDS identifier; expected 1-63 lower-case letters, "
            "digits and single hyphens, starting with a letter and not ending with a hyphen",
            "source_identifiers[6]: 'b-' is not an RDS identifier; expected 1-63 lower-case letters, "
            "digits and single hyphens, starting with a letter and not ending with a hyphen",
        ]

    def test_real_identifiers_pass(self) -> None:
        assert rules.check_source_identifiers(["orders", "orders-cluster-1", "a" * 63]) == []
        assert rules.check_source_identifiers(["a" * 64])


class TestTemplateSize:
    def test_the_limit_itself_passes(self) -> None:
        assert rules.check_template_size(1_000_000) == []
        assert messages(rules.check_template_size(1_000_001)) == [
            "template: 1,000,001 bytes, over CloudFormation's limit of 1,000,000 bytes (a template "
            "uploaded through S3, as the CDK CLI does); allow fewer principals or split the stack"
        ]
