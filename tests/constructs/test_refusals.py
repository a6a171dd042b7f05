"""The constructs refuse what a user cannot have meant (issue 8), each with its exact message."""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import App, CfnResource, Environment, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match, Template

from privatelink_constructs import NO_ALARM_TOPIC_WARNING, ConsumerInterfaceEndpoint
from privatelink_constructs.provider import OPEN_TO_EVERY_ACCOUNT_WARNING
from privatelink_constructs.template_size import TemplateSizeLimit, enforce_template_size_limit
from tests.conftest import feature_flags, new_app, new_stack
from tests.constructs.helpers import imported_vpc, provider


def _quiet_stack() -> Stack:
    """A stack whose auto-accept tests synthesize without the no-alarm-topic warning (not their subject).

    aws-cdk-lib 2.269 prints a failed synth's warnings from Node.js, outside pytest's capture.
    """
    stack = new_stack()
    cdk.Annotations.of(stack).acknowledge_warning(NO_ALARM_TOPIC_WARNING, "not what these tests are about")
    return stack


PROVIDER = "Test/Provider: "
CONSUMER = "Test/Consumer: "
SERVICE = "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0"
SNS_FORM = "arn:<partition>:sns:<region>:<12-digit account>:<topic name>"
QUOTA_ADVICE = (
    "over the quota of 60 per direction and IP version (the VPC default); name fewer, wider networks "
    "(or a security group), or set security_group_rule_quota to your account's raised quota"
)


def in_region(region: str = "eu-west-1", account: str = "111122223333") -> Stack:
    return Stack(new_app(), "Test", env=Environment(account=account, region=region))


def refused(message: str) -> Any:
    """``pytest.raises`` for exactly this one-problem message."""
    return pytest.raises(ValueError, match="^" + re.escape(message) + "$")


def consumer(stack: Stack | None = None, **overrides: Any) -> ConsumerInterfaceEndpoint:
    stack = stack or new_stack()
    arguments: dict[str, Any] = {"vpc": imported_vpc(stack), "service_name": SERVICE, "ports": [5432]}
    arguments.update(overrides)
    return ConsumerInterfaceEndpoint(stack, "Consumer", **arguments)


class TestOpenToEveryAccount:
    def test_refuses_star_without_acceptance_unless_named_twice(self) -> None:
        with refused(
            PROVIDER + "acceptance_required: turned off with '*' in allowed_principals would let every "
            "AWS account connect with no decision; set allow_all_principals_without_acceptance=True "
            "to mean it"
        ):
            provider(allowed_principals=["*"], allow_all_principals=True, acceptance_required=False)

    def test_second_flag_still_warns(self) -> None:
        stack = new_stack()
        provider(
            stack,
            allowed_principals=["*"],
            allow_all_principals=True,
            acceptance_required=False,
            allow_all_principals_without_acceptance=True,
        )
        warnings = Annotations.from_stack(stack).find_warning(
            "/Test/Provider", Match.string_like_regexp("Every AWS account may connect")
        )
        assert len(warnings) == 1
        assert OPEN_TO_EVERY_ACCOUNT_WARNING in str(warnings[0].entry.data)

    def test_star_with_acceptance_needs_no_second_flag_and_no_warning(self) -> None:
        stack = new_stack()
        provider(stack, allowed_principals=["*"], allow_all_principals=True)
        assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("Every AWS")) == []

    def test_adding_star_later_is_judged_the_same(self) -> None:
        built = provider(allow_all_principals=True, acceptance_required=False)
        with refused(
            PROVIDER + "acceptance_required: turned off with '*' in allowed_principals would let every "
            "AWS account connect with no decision; set allow_all_principals_without_acceptance=True "
            "to mean it"
        ):
            built.add_allowed_principals("*")


class TestAutoAcceptOnlyAllowed:
    MESSAGE = (
        "auto_accept_principals[0]: '444455556666' is not allowed to connect (allowed_principals has "
        "neither the account ID, its root ARN nor '*'), so it could never be accepted; allow the "
        "account or remove it here"
    )

    def test_refuses_an_account_never_allowed_at_synth(self) -> None:
        stack = _quiet_stack()
        provider(stack, auto_accept_principals=["444455556666"])
        with pytest.raises(RuntimeError) as caught:
            App.of(stack).synth()  # type: ignore[union-attr]
        assert f"[Test/Provider] {self.MESSAGE}" in str(caught.value)

    def test_a_role_of_the_account_does_not_allow_the_account(self) -> None:
        stack = _quiet_stack()
        provider(
            stack,
            allowed_principals=["arn:aws:iam::444455556666:role/etl"],
            auto_accept_principals=["444455556666"],
        )
        with pytest.raises(RuntimeError, match=re.escape(self.MESSAGE)):
            App.of(stack).synth()  # type: ignore[union-attr]

    @pytest.mark.parametrize("allowed", [["444455556666"], ["arn:aws-cn:iam::444455556666:root"], ["*"]])
    def test_accepts_the_id_its_root_arn_or_star(self, allowed: list[str]) -> None:
        stack = _quiet_stack()
        provider(
            stack,
            allowed_principals=allowed,
            allow_all_principals=True,
            auto_accept_principals=["444455556666"],
        )
        App.of(stack).synth()  # type: ignore[union-attr]

    def test_principals_added_after_construction_count(self) -> None:
        stack = _quiet_stack()
        built = provider(stack, auto_accept_principals=["444455556666"])
        built.add_allowed_principals("arn:aws:iam::444455556666:root")
        App.of(stack).synth()  # type: ignore[union-attr]


class TestPartitions:
    def test_refuses_a_principal_of_another_partition_than_the_stacks_region(self) -> None:
        with refused(
            PROVIDER + "allowed_principals[1]: 'arn:aws-cn:iam::444455556666:root' is in partition "
            "'aws-cn', but this stack deploys to 'aws': an endpoint service and its consumers share "
            "one partition"
        ):
            provider(
                in_region("eu-west-1"),
                allowed_principals=["111122223333", "arn:aws-cn:iam::444455556666:root"],
            )

    def test_china_region_wants_china_arns(self) -> None:
        with refused(
            PROVIDER + "allowed_principals[0]: 'arn:aws:iam::444455556666:root' is in partition 'aws', "
            "but this stack deploys to 'aws-cn': an endpoint service and its consumers share one partition"
        ):
            provider(in_region("cn-north-1"), allowed_principals=["arn:aws:iam::444455556666:root"])
        provider(in_region("cn-north-1"), allowed_principals=["arn:aws-cn:iam::444455556666:root"])

    def test_environment_agnostic_stack_wants_one_partition(self) -> None:
        with refused(
            PROVIDER + "allowed_principals[2]: 'arn:aws-us-gov:iam::444455556666:user/ops' is in partition "
            "'aws-us-gov', but allowed_principals[1] is in 'aws': an endpoint service and its consumers "
            "share one partition"
        ):
            provider(
                allowed_principals=[
                    "111122223333",
                    "arn:aws:iam::222233334444:root",
                    "arn:aws-us-gov:iam::444455556666:user/ops",
                ]
            )


class TestRegionPartitions:
    def test_allowed_regions_stay_in_the_stacks_partition(self) -> None:
        with refused(
            PROVIDER + "allowed_regions[1]: 'cn-north-1' is in partition 'aws-cn', but this stack deploys "
            "to 'aws': cross-region PrivateLink stays within one partition"
        ):
            provider(in_region("eu-west-1"), allowed_regions=["us-east-1", "cn-north-1"])

    def test_environment_agnostic_allowed_regions_share_one_partition(self) -> None:
        with refused(
            PROVIDER + "allowed_regions[1]: 'us-gov-west-1' is in partition 'aws-us-gov', but "
            "allowed_regions[0] is in 'aws': cross-region PrivateLink stays within one partition"
        ):
            provider(allowed_regions=["us-east-1", "us-gov-west-1"])

    def test_a_consumers_service_region(self) -> None:
        with refused(
            CONSUMER + "service_region: 'us-east-1' is in partition 'aws', but this stack deploys to "
            "'aws-cn': cross-region PrivateLink stays within one partition"
        ):
            consumer(
                in_region("cn-north-1"),
                service_name="com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
                service_region="us-east-1",
            )


class TestPrincipalArns:
    def test_refuses_role_arns_with_a_path(self) -> None:
        with refused(
            PROVIDER + "allowed_principals[0]: 'arn:aws:iam::444455556666:role/vendors/etl' has a path "
            "('/vendors/'), and endpoint service permissions take no principal ARNs with paths; allow the "
            "account, or a role or user without a path"
        ):
            provider(allowed_principals=["arn:aws:iam::444455556666:role/vendors/etl"])


class TestCidrs:
    @pytest.mark.parametrize(
        ("cidr", "message"),
        [
            ("10.1.2.3/8", "'10.1.2.3/8' has host bits set (its network is '10.0.0.0/8')"),
            (
                "0.0.0.0/00",
                "'0.0.0.0/00' is not canonical (write '0.0.0.0/0') and would allow every address; "
                "name the networks you mean",
            ),
            (
                "0::/0",
                "'0::/0' is not canonical (write '::/0') and would allow every address; "
                "name the networks you mean",
            ),
            (
                "10.0.0.0/0",
                "'10.0.0.0/0' has host bits set (its network is '0.0.0.0/0') and would allow "
                "every address; name the networks you mean",
            ),
            ("10.0.0.1", "'10.0.0.1' is not canonical (write '10.0.0.1/32')"),
            ("2001:DB8::/32", "'2001:DB8::/32' is not canonical (write '2001:db8::/32')"),
            (
                "0.0.0.0/1",
                "'0.0.0.0/1' is a /1, nearly every address (shorter than /8); name smaller networks; "
                "set allow_broad_cidrs=True to mean it",
            ),
            (
                "2000::/3",
                "'2000::/3' is a /3, nearly every address (shorter than /16); name smaller networks; "
                "set allow_broad_cidrs=True to mean it",
            ),
            ("10.0.0.0/8\n", "'10.0.0.0/8\\n' is not a CIDR block (like '10.60.0.0/16')"),
        ],
    )
    def test_provider_target_cidrs(self, cidr: str, message: str) -> None:
        with refused(PROVIDER + "target_cidrs[0]: " + message):
            provider(target_cidrs=[cidr])

    def test_broad_target_cidrs_when_named(self) -> None:
        built = provider(target_cidrs=["0.0.0.0/1", "128.0.0.0/1"], allow_broad_cidrs=True)
        egress = Template.from_stack(Stack.of(built)).find_resources("AWS::EC2::SecurityGroup")
        rules = next(iter(egress.values()))["Properties"]["SecurityGroupEgress"]
        assert {rule["CidrIp"] for rule in rules} >= {"0.0.0.0/1", "128.0.0.0/1"}

    def test_even_the_flag_never_allows_every_address(self) -> None:
        with refused(
            PROVIDER + "target_cidrs[0]: '::/0' would allow every address; name the networks you mean"
        ):
            provider(target_cidrs=["::/0"], allow_broad_cidrs=True)

    def test_consumer_judges_cidr_peers_by_their_unique_id(self) -> None:
        with pytest.raises(ValueError, match="4 invalid arguments") as caught:
            consumer(
                allowed_peers=[
                    ec2.Peer.ipv4("10.1.2.3/8"),
                    ec2.Peer.ipv4("0.0.0.0/1"),
                    ec2.Peer.ipv4("128.0.0.0/1"),
                    ec2.Peer.ipv6("0::/0"),
                    ec2.Peer.prefix_list("pl-0123456789abcdef0"),
                ]
            )
        assert str(caught.value) == (
            CONSUMER + "4 invalid arguments:\n"
            "  - allowed_peers[0]: '10.1.2.3/8' has host bits set (its network is '10.0.0.0/8')\n"
            "  - allowed_peers[1]: '0.0.0.0/1' is a /1, nearly every address (shorter than /8); "
            "name smaller networks; set allow_broad_cidrs=True to mean it\n"
            "  - allowed_peers[2]: '128.0.0.0/1' is a /1, nearly every address (shorter than /8); "
            "name smaller networks; set allow_broad_cidrs=True to mean it\n"
            "  - allowed_peers[3]: '0::/0' is not canonical (write '::/0') and would allow every address; "
            "name the networks you mean"
        )

    def test_consumer_broad_peers_when_named(self) -> None:
        built = consumer(allowed_peers=[ec2.Peer.ipv4("0.0.0.0/1")], allow_broad_cidrs=True)
        with refused(
            CONSUMER + "allowed_peers[0]: '10.1.2.3/8' has host bits set (its network is '10.0.0.0/8')"
        ):
            built.add_allowed_peers(ec2.Peer.ipv4("10.1.2.3/8"))


class TestTopics:
    def topic_provider(self, arn: str, stack: Stack | None = None, **overrides: Any) -> None:
        stack = stack or new_stack()
        provider(stack, notification_topic=sns.Topic.from_topic_arn(stack, "Topic", arn), **overrides)

    @pytest.mark.parametrize(
        ("arn", "service"),
        [
            ("arn:aws:s3:::my-bucket", "s3"),
            ("arn:aws:lambda:eu-west-1:111122223333:function:accept", "lambda"),
        ],
    )
    def test_refuses_another_services_arn(self, arn: str, service: str) -> None:
        with refused(
            PROVIDER + f"notification_topic: {arn!r} is an ARN of service {service!r}, not an SNS topic; "
            f"expected {SNS_FORM}"
        ):
            self.topic_provider(arn)

    def test_refuses_a_topic_of_another_partition(self) -> None:
        with refused(
            PROVIDER + "notification_topic: 'arn:aws-cn:sns:cn-north-1:111122223333:links' is in partition "
            "'aws-cn', but this stack deploys to 'aws'"
        ):
            self.topic_provider("arn:aws-cn:sns:cn-north-1:111122223333:links", in_region())

    def test_refuses_a_foreign_topic_the_acceptor_would_subscribe_to(self) -> None:
        with refused(
            PROVIDER + "notification_topic: 'arn:aws:sns:eu-west-1:999988887777:links' belongs to account "
            "'999988887777', not this stack's account '111122223333'; the auto-acceptor subscribes to it, "
            "so use a topic of this account"
        ):
            self.topic_provider(
                "arn:aws:sns:eu-west-1:999988887777:links",
                in_region(),
                auto_accept_principals=["111122223333"],
            )

    def test_a_foreign_topic_without_acceptor_only_receives_notifications(self) -> None:
        self.topic_provider("arn:aws:sns:eu-west-1:999988887777:links", in_region())


class TestOwnedNames:
    @pytest.mark.parametrize(
        ("name", "message"),
        [
            (
                "db.amazonaws.com",
                "'db.amazonaws.com' is under 'amazonaws.com', which AWS owns; use a domain you own",
            ),
            (
                "amazonaws.com.cn",
                "'amazonaws.com.cn' is under 'amazonaws.com.cn', which AWS owns; use a domain you own",
            ),
            ("10.0.0.1", "'10.0.0.1' is an IP address; expected a DNS name in a domain you own"),
        ],
    )
    def test_private_dns_name(self, name: str, message: str) -> None:
        with refused(PROVIDER + "private_dns_name: " + message):
            provider(private_dns_name=name)

    def test_private_hosted_zone(self) -> None:
        with refused(
            CONSUMER + "private_hosted_zone_name: 'vpce.amazonaws.com' is under 'amazonaws.com', which AWS "
            "owns; use a domain you own"
        ):
            consumer(private_hosted_zone_name="vpce.amazonaws.com", record_names=["db.vpce.amazonaws.com"])


class TestQuotas:
    def test_consumer_inbound_rules_over_the_quota(self) -> None:
        peers = [ec2.Peer.ipv4(f"10.{i}.0.0/16") for i in range(60)]
        with refused(
            CONSUMER + "allowed_peers: the endpoint's security group would need 180 inbound IPv4 rules "
            f"(60 peers x 3 ports), {QUOTA_ADVICE}"
        ):
            consumer(ports=[5432, 5433, 5434], allowed_peers=peers)

    def test_consumer_counts_ipv4_and_ipv6_apart_and_groups_in_both(self) -> None:
        ipv4 = [ec2.Peer.ipv4(f"10.{i}.0.0/16") for i in range(29)]
        ipv6 = [ec2.Peer.ipv6(f"fd00:{i + 1}::/32") for i in range(29)]
        consumer(ports=[1, 2], allowed_peers=[*ipv4, *ipv6, ec2.Peer.prefix_list("pl-0123456789abcdef0")])
        with refused(
            CONSUMER + "allowed_peers: the endpoint's security group would need 62 inbound IPv4 rules "
            f"(31 peers x 2 ports), {QUOTA_ADVICE}"
        ):
            consumer(
                ports=[1, 2],
                allowed_peers=[*ipv4, ec2.Peer.ipv4("10.99.0.0/16"), ec2.Peer.prefix_list("pl-1")],
            )

    def test_consumer_counts_peers_added_later(self) -> None:
        built = consumer(allowed_peers=[ec2.Peer.ipv4(f"10.{i}.0.0/16") for i in range(60)])
        with refused(
            CONSUMER + "allowed_peers: the endpoint's security group would need 61 inbound IPv4 rules "
            f"(61 peers x 1 port), {QUOTA_ADVICE}"
        ):
            built.add_allowed_peers(ec2.Peer.ipv4("10.200.0.0/16"))

    def test_raised_quota(self) -> None:
        consumer(
            allowed_peers=[ec2.Peer.ipv4(f"10.{i}.0.0/16") for i in range(61)], security_group_rule_quota=100
        )
        with refused(CONSUMER + "security_group_rule_quota: True is not a number; expected 1 or more"):
            consumer(security_group_rule_quota=True)

    def test_provider_outbound_rules_over_the_quota(self) -> None:
        with refused(
            PROVIDER + "target_cidrs: the NLB's security group would need 62 outbound IPv4 rules "
            "(2 networks x 31 ports), over the quota of 60 per direction and IP version (the VPC default); "
            "name fewer, wider networks (or a security group), or set security_group_rule_quota to your "
            "account's raised quota"
        ):
            provider(
                ports=list(range(5000, 5030)),
                target_cidrs=["192.168.0.0/16"],
                health_check=elbv2.HealthCheck(port="8080"),
            )

    def test_provider_fits_fifty_ports_with_the_vpc_alone(self) -> None:
        provider(ports=list(range(5000, 5050)), health_check=elbv2.HealthCheck(port="8080"))

    def test_provider_refuses_a_health_check_port_that_is_no_port(self) -> None:
        with refused(
            PROVIDER + "health_check.port: '54x2' is not a port; expected 1-65535 or 'traffic-port'"
        ):
            provider(health_check=elbv2.HealthCheck(port="54x2"))


class TestTemplateSize:
    MESSAGE = (
        "the template is {size:,} bytes, over CloudFormation's limit of 1,000,000 bytes "
        "(a template uploaded through S3, as the CDK CLI does); allow fewer principals or split the stack"
    )

    def test_the_constructs_register_the_check_once_per_stage(self, monkeypatch: pytest.MonkeyPatch) -> None:
        calls: list[str] = []
        measure = TemplateSizeLimit.validate

        def counted(plugin: TemplateSizeLimit, context: Any) -> Any:
            calls.append("validate")
            return measure(plugin, context)

        monkeypatch.setattr(TemplateSizeLimit, "validate", counted)
        app = new_app()
        first = Stack(app, "First")
        provider(first)
        consumer(Stack(app, "Second"))
        enforce_template_size_limit(first)
        Template.from_stack(first)
        assert calls == ["validate"]

    @staticmethod
    def padded(tmp_path: Any, name: str, padding: int, *, plugin: bool) -> tuple[App, Stack]:
        """An app whose stack ``name`` holds ``padding`` bytes of metadata, cheap to build."""
        app = App(outdir=str(tmp_path), context=feature_flags())
        if plugin:
            Validations.of(app).add_plugins(TemplateSizeLimit())
        stack = Stack(app, name)
        handle = CfnResource(stack, "Padding", type="AWS::CloudFormation::WaitConditionHandle")
        handle.add_metadata("Padding", "x" * padding)
        return app, stack

    def refuses(self, app: App, tmp_path: Any, name: str) -> None:
        with pytest.raises(RuntimeError, match=f"ValidationFailed: ERROR {name}: the template is ") as caught:
            app.synth()
        size = (tmp_path / f"{name}.template.json").stat().st_size
        assert size > 1_000_000
        assert f"{name}: " + self.MESSAGE.format(size=size) + " (privatelink-cdk)" in str(caught.value)

    def test_a_stack_with_a_provider_fails_over_the_limit(self, tmp_path: Any) -> None:
        # 20,000 account IDs make a 3.5 MB template but take 45 s to build; padding is as big and fast.
        app, stack = self.padded(tmp_path, "Big", 1_000_000, plugin=False)
        provider(stack)
        self.refuses(app, tmp_path, "Big")

    def test_plugin_for_apps_of_your_own(self, tmp_path: Any) -> None:
        app, _ = self.padded(tmp_path, "Plain", 1_000_000, plugin=True)
        self.refuses(app, tmp_path, "Plain")
        report = json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))
        (ours,) = [r for r in report["pluginReports"] if r["pluginName"] == "privatelink-cdk"]
        assert ours["conclusion"] == "failure"
        assert [v["ruleName"] for v in ours["violations"]] == ["TemplateSize"]

    def test_a_template_just_within_the_limit_passes(self, tmp_path: Any) -> None:
        app, stack = self.padded(tmp_path, "Plain", 900_000, plugin=True)
        # aws-cdk-lib warns from 80% of the limit; expected here, so acknowledged (a quiet run)
        cdk.Annotations.of(stack).acknowledge_warning(
            "@aws-cdk/core:Stack.templateSize", "This test builds a template near the limit on purpose."
        )
        app.synth()
        assert (tmp_path / "Plain.template.json").stat().st_size <= 1_000_000
