"""Provider checks as plain Python: a healthy link passes; each change below breaks one check."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from privatelink_constructs.cli.checks import run_checks
from privatelink_constructs.cli.facts import (
    Connection,
    Listener,
    SecurityGroup,
    Target,
    TxtLookup,
    Unknown,
)
from privatelink_constructs.cli.model import Status
from tests.cli.healthy import (
    CONSUMER_ACCOUNT,
    ENDPOINT_ID,
    NOW,
    SERVICE_ID,
    consumer,
    context,
    function,
    healthy_target,
    load_balancer,
    provider,
    service,
    target_group,
    tcp_rule,
    verdict,
    with_database,
)


def test_a_healthy_link_passes_every_check() -> None:
    checks = run_checks(context())
    assert [c for c in checks if c.status is not Status.PASS] == []
    assert {c.side for c in checks} == {"provider", "consumer", "link"}


def test_every_non_pass_has_a_fix() -> None:
    broken = provider(service=service(state="Failed"), allowed_principals=())
    for check in run_checks(context(provider_facts=broken)):
        assert check.status is Status.PASS or check.fix


class TestService:
    def test_passes_when_available(self) -> None:
        check = verdict(context(), "provider.service")
        assert check.status is Status.PASS
        assert "acceptance required" in check.summary

    def test_fails_when_not_found(self) -> None:
        check = verdict(context(provider_facts=provider(service=None)), "provider.service")
        assert check.status is Status.FAIL
        assert f"{SERVICE_ID} not found" in check.summary
        assert "--service-id" in (check.fix or "")

    @pytest.mark.parametrize(("state", "status"), [("Pending", Status.WARN), ("Failed", Status.FAIL)])
    def test_reports_a_service_that_is_not_available(self, state: str, status: Status) -> None:
        check = verdict(context(provider_facts=provider(service=service(state=state))), "provider.service")
        assert check.status is status
        assert state in check.summary

    def test_fails_for_a_gateway_load_balancer_service(self) -> None:
        facts = provider(service=service(types=("GatewayLoadBalancer",)))
        check = verdict(context(provider_facts=facts), "provider.service")
        assert check.status is Status.FAIL
        assert "not an Interface service" in check.summary

    def test_warns_when_it_cannot_read_the_service(self) -> None:
        facts = provider(
            service=Unknown("ec2:DescribeVpcEndpointServiceConfigurations: UnauthorizedOperation")
        )
        check = verdict(context(provider_facts=facts), "provider.service")
        assert check.status is Status.WARN
        assert "UnauthorizedOperation" in check.summary
        assert "--provider-profile" in (check.fix or "")


class TestLoadBalancer:
    def test_passes_when_active(self) -> None:
        assert verdict(context(), "provider.nlb").status is Status.PASS

    @pytest.mark.parametrize(("state", "status"), [("provisioning", Status.WARN), ("failed", Status.FAIL)])
    def test_reports_state(self, state: str, status: Status) -> None:
        facts = provider(load_balancers=(load_balancer(state=state, state_reason="subnet gone"),))
        check = verdict(context(provider_facts=facts), "provider.nlb")
        assert check.status is status
        assert f"provider-nlb is {state}: subnet gone" in check.summary

    def test_fails_without_a_load_balancer(self) -> None:
        check = verdict(context(provider_facts=provider(load_balancers=())), "provider.nlb")
        assert check.status is Status.FAIL


class TestListeners:
    def test_passes_with_a_listener_per_declared_port(self) -> None:
        check = verdict(context(provider_facts=provider(declared_ports=(5432,))), "provider.listeners")
        assert check.status is Status.PASS
        assert "5432/TCP" in check.summary

    def test_fails_when_a_declared_port_has_no_listener(self) -> None:
        check = verdict(context(provider_facts=provider(declared_ports=(5432, 6432))), "provider.listeners")
        assert check.status is Status.FAIL
        assert "no listener on port 6432" in check.summary

    def test_fails_without_listeners(self) -> None:
        facts = provider(load_balancers=(load_balancer(listeners=()),))
        assert verdict(context(provider_facts=facts), "provider.listeners").status is Status.FAIL


class TestTargets:
    def test_passes_with_healthy_targets(self) -> None:
        check = verdict(context(), "provider.targets")
        assert check.status is Status.PASS
        assert "5432: 2" in check.summary

    def test_fails_without_a_healthy_target(self) -> None:
        sick = Target("10.40.0.10", 5432, None, "unhealthy", "Target.Timeout")
        facts = provider(load_balancers=(load_balancer(target_groups=(target_group(5432, sick),)),))
        check = verdict(context(provider_facts=facts), "provider.targets")
        assert check.status is Status.FAIL
        assert "port 5432: no healthy target (1 registered: unhealthy Target.Timeout)" in check.summary

    def test_points_at_the_updater_for_a_database_link(self) -> None:
        facts = with_database(provider(load_balancers=(load_balancer(target_groups=(target_group(5432),)),)))
        check = verdict(context(provider_facts=facts), "provider.targets")
        assert check.status is Status.FAIL
        assert "provider.updater" in (check.fix or "")

    def test_warns_when_a_zone_has_no_target_and_cross_zone_is_off(self) -> None:
        group = target_group(5432, healthy_target("10.40.0.10"))
        facts = provider(load_balancers=(load_balancer(cross_zone=False, target_groups=(group,)),))
        check = verdict(context(provider_facts=facts), "provider.targets")
        assert check.status is Status.WARN
        assert "port 5432 in us-east-1b" in check.summary
        assert "provider.cross_zone" in (check.fix or "")

    def test_a_target_group_setting_overrides_the_load_balancer(self) -> None:
        group = target_group(5432, healthy_target("10.40.0.10"), cross_zone="true")
        facts = provider(load_balancers=(load_balancer(cross_zone=False, target_groups=(group,)),))
        assert verdict(context(provider_facts=facts), "provider.targets").status is Status.PASS

    def test_a_target_outside_the_vpc_serves_every_zone(self) -> None:
        group = target_group(5432, healthy_target("192.168.0.5", zone="all"))
        facts = provider(load_balancers=(load_balancer(cross_zone=False, target_groups=(group,)),))
        assert verdict(context(provider_facts=facts), "provider.targets").status is Status.PASS


class TestInboundRules:
    def test_passes_when_not_enforced(self) -> None:
        assert verdict(context(), "provider.inbound-rules").status is Status.PASS

    def test_fails_when_enforced_without_rules(self) -> None:
        facts = provider(load_balancers=(load_balancer(enforce_inbound_on_privatelink="on"),))
        check = verdict(context(provider_facts=facts), "provider.inbound-rules")
        assert check.status is Status.FAIL
        assert "times out" in check.summary
        assert "enforce_security_group_inbound_rules_on_private_link_traffic: false" in (check.fix or "")

    def test_fails_when_the_rules_miss_the_consumer_addresses(self) -> None:
        groups = (SecurityGroup("sg-nlb", ingress=(tcp_rule(5432, "10.60.0.0/24"),)),)
        facts = provider(
            load_balancers=(load_balancer(enforce_inbound_on_privatelink="on", security_groups=groups),)
        )
        check = verdict(context(provider_facts=facts), "provider.inbound-rules")
        assert check.status is Status.FAIL
        assert "10.60.1.12" in check.summary
        assert "10.60.0.12" not in check.summary

    def test_passes_when_the_rules_admit_the_consumer(self) -> None:
        groups = (SecurityGroup("sg-nlb", ingress=(tcp_rule(5432, "10.60.0.0/16"),)),)
        facts = provider(
            load_balancers=(load_balancer(enforce_inbound_on_privatelink="on", security_groups=groups),)
        )
        assert verdict(context(provider_facts=facts), "provider.inbound-rules").status is Status.PASS


class TestAllowlist:
    def test_passes_when_the_consumer_account_is_allowed(self) -> None:
        check = verdict(context(), "provider.allowlist")
        assert check.status is Status.PASS
        assert CONSUMER_ACCOUNT in check.summary

    def test_fails_when_the_consumer_account_is_missing(self) -> None:
        facts = provider(allowed_principals=("arn:aws:iam::999988887777:root",))
        check = verdict(context(provider_facts=facts), "provider.allowlist")
        assert check.status is Status.FAIL
        assert f"'{CONSUMER_ACCOUNT}' to provider.allowed_principals" in (check.fix or "")
        assert f"--add-allowed-principals arn:aws:iam::{CONSUMER_ACCOUNT}:root" in (check.fix or "")

    def test_a_role_of_the_consumer_account_counts(self) -> None:
        facts = provider(allowed_principals=(f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/etl",))
        assert verdict(context(provider_facts=facts), "provider.allowlist").status is Status.PASS

    def test_warns_when_everyone_connects_without_acceptance(self) -> None:
        facts = provider(allowed_principals=("*",), service=service(acceptance_required=False))
        assert verdict(context(provider_facts=facts), "provider.allowlist").status is Status.WARN

    def test_warns_when_nobody_is_allowed_and_no_consumer_is_given(self) -> None:
        ctx = replace(context(provider_facts=provider(allowed_principals=())), consumer=None)
        assert verdict(ctx, "provider.allowlist").status is Status.WARN


class TestConnectionRequests:
    def test_passes_without_waiting_requests(self) -> None:
        assert verdict(context(), "provider.connections").status is Status.PASS

    def test_warns_about_other_waiting_requests(self) -> None:
        waiting = Connection(
            "vpce-0other", "999988887777", "pendingAcceptance", NOW - timedelta(days=3, hours=2)
        )
        facts = provider(connections=(waiting,))
        check = verdict(context(provider_facts=facts), "provider.connections")
        assert check.status is Status.WARN
        assert "the oldest for 3d 2h: vpce-0other (999988887777)" in check.summary
        assert "accept-vpc-endpoint-connections" in (check.fix or "")

    def test_leaves_the_consumers_own_request_to_the_endpoint_check(self) -> None:
        own = Connection(ENDPOINT_ID, CONSUMER_ACCOUNT, "pendingAcceptance", NOW)
        check = verdict(context(provider_facts=provider(connections=(own,))), "provider.connections")
        assert check.status is Status.PASS
        assert check.summary == "no other connection request waiting (0 connected endpoint(s))"


class TestPrivateDns:
    def test_passes_without_a_name(self) -> None:
        assert verdict(context(), "provider.private-dns").status is Status.PASS

    def test_passes_when_verified(self) -> None:
        facts = provider(service=service(private_dns_name="db.example.com", private_dns_state="verified"))
        assert verdict(context(provider_facts=facts), "provider.private-dns").status is Status.PASS

    def test_fails_when_failed_and_names_the_missing_record(self) -> None:
        facts = provider(
            service=service(
                private_dns_name="db.example.com",
                private_dns_state="failed",
                private_dns_record_name="_abc123",
                private_dns_record_value="vpce:xyz",
            ),
            txt_record=TxtLookup(found=False, where="looked for _abc123.example.com in zone example.com"),
        )
        check = verdict(context(provider_facts=facts), "provider.private-dns")
        assert check.status is Status.FAIL
        assert "the TXT record is missing" in check.summary
        assert "_abc123 TXT 'vpce:xyz'" in (check.fix or "")

    def test_warns_while_pending_and_offers_to_start_verification(self) -> None:
        facts = provider(
            service=service(private_dns_name="db.example.com", private_dns_state="pendingVerification"),
            txt_record=TxtLookup(found=True, where="_abc123.example.com in zone example.com"),
        )
        check = verdict(context(provider_facts=facts), "provider.private-dns")
        assert check.status is Status.WARN
        assert "--fix" in (check.fix or "")
        assert "start-vpc-endpoint-service-private-dns-verification" in (check.fix or "")


class TestRegions:
    def test_passes_in_the_same_region(self) -> None:
        assert verdict(context(), "provider.regions").status is Status.PASS

    def test_fails_for_a_consumer_in_a_region_not_supported(self) -> None:
        ctx = context(consumer_facts=consumer(region="eu-west-1"))
        check = verdict(ctx, "provider.regions")
        assert check.status is Status.FAIL
        assert "provider.allowed_regions" in (check.fix or "")

    def test_passes_for_a_supported_remote_region(self) -> None:
        facts = provider(
            service=service(supported_regions={"us-east-1": "Available", "eu-west-1": "Available"})
        )
        ctx = context(provider_facts=facts, consumer_facts=consumer(region="eu-west-1"))
        assert verdict(ctx, "provider.regions").status is Status.PASS


class TestDatabaseTargets:
    def test_does_not_apply_without_a_database(self) -> None:
        assert all(c.id != "provider.database-targets" for c in run_checks(context()))

    def test_passes_when_targets_equal_the_database_addresses(self) -> None:
        check = verdict(context(provider_facts=with_database(provider())), "provider.database-targets")
        assert check.status is Status.PASS

    def test_fails_on_a_stale_address(self) -> None:
        facts = with_database(provider(), ("10.40.0.10", "10.40.1.99"))
        check = verdict(context(provider_facts=facts), "provider.database-targets")
        assert check.status is Status.FAIL
        assert "10.40.1.99 not registered" in check.summary
        assert "10.40.1.10 no longer the database's" in check.summary

    def test_warns_when_the_name_does_not_resolve_here(self) -> None:
        facts = with_database(provider(), None)
        assert verdict(context(provider_facts=facts), "provider.database-targets").status is Status.WARN


class TestFunctions:
    def test_pass_without_errors(self) -> None:
        facts = provider(
            functions=(function("target updater"), function("connection acceptor", invocations=0))
        )
        checks = run_checks(context(provider_facts=facts))
        assert {c.id: c.status for c in checks if c.id in ("provider.updater", "provider.acceptor")} == {
            "provider.updater": Status.PASS,
            "provider.acceptor": Status.PASS,
        }

    def test_fail_with_recent_errors(self) -> None:
        facts = provider(functions=(function("connection acceptor", errors=3),))
        check = verdict(context(provider_facts=facts), "provider.acceptor")
        assert check.status is Status.FAIL
        assert "failed 3 time(s) in the last 60 minutes" in check.summary
        assert "aws logs tail /aws/lambda/connection-acceptor --since 60m" in (check.fix or "")

    def test_warns_when_the_updater_did_not_run(self) -> None:
        updater = function("target updater", invocations=0, arn="arn:aws:lambda:us-east-1:1:function:up")
        check = verdict(context(provider_facts=provider(functions=(updater,))), "provider.updater")
        assert check.status is Status.WARN
        assert (
            "aws events list-rule-names-by-target --target-arn arn:aws:lambda:us-east-1:1:function:up "
            "--region us-east-1" in (check.fix or "")
        )

    def test_fails_when_the_function_is_failed(self) -> None:
        facts = provider(functions=(function("target updater", state="Failed", state_reason="ENI limit"),))
        check = verdict(context(provider_facts=facts), "provider.updater")
        assert check.status is Status.FAIL
        assert "ENI limit" in check.summary


def test_listener_ports_drive_the_link() -> None:
    lb = load_balancer(listeners=(Listener(5432, "TCP", ("arn:tg/port5432",)), Listener(6432, "TCP", ())))
    check = verdict(context(provider_facts=provider(load_balancers=(lb,))), "provider.listeners")
    assert check.status is Status.FAIL
    assert "6432 forwards to no target group" in check.summary
