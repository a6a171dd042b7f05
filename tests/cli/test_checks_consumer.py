"""Consumer and link checks as plain Python: each change below breaks one check."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from privatelink_constructs.cli.checks import run_checks
from privatelink_constructs.cli.facts import (
    AclEntry,
    DnsEntry,
    HostedZone,
    Listener,
    NetworkAcl,
    Record,
    SecurityGroup,
    ServiceView,
    Subnet,
    Unknown,
    Vpc,
)
from privatelink_constructs.cli.model import Status
from tests.cli.healthy import (
    CONSUMER_ACCOUNT,
    ENDPOINT_ID,
    NOW,
    REGIONAL_NAME,
    SERVICE_ID,
    consumer,
    context,
    endpoint,
    load_balancer,
    provider,
    service,
    tcp_rule,
    verdict,
)


class TestEndpoint:
    def test_passes_when_available(self) -> None:
        assert verdict(context(), "consumer.endpoint").status is Status.PASS

    def test_fails_while_pending_acceptance_with_how_long_and_the_accept_command(self) -> None:
        facts = consumer(
            endpoint=endpoint(state="pendingAcceptance", created=NOW - timedelta(hours=3, minutes=12))
        )
        check = verdict(context(consumer_facts=facts), "consumer.endpoint")
        assert check.status is Status.FAIL
        assert (
            check.summary
            == f"{ENDPOINT_ID} has waited 3h 12m for the provider to accept it (pendingAcceptance)"
        )
        fix = check.fix or ""
        assert "--fix" in fix
        assert (
            f"aws ec2 accept-vpc-endpoint-connections --service-id {SERVICE_ID} "
            f"--vpc-endpoint-ids {ENDPOINT_ID} --region us-east-1" in fix
        )
        assert f"add '{CONSUMER_ACCOUNT}' to provider.auto_accept_principals" in fix

    def test_without_the_provider_names_the_service_from_the_endpoint(self) -> None:
        facts = consumer(endpoint=endpoint(state="pendingAcceptance"))
        check = verdict(replace(context(consumer_facts=facts), provider=None), "consumer.endpoint")
        assert "rerun with --fix and the provider's side (--service-id)" in (check.fix or "")
        assert f"--service-id {SERVICE_ID} --vpc-endpoint-ids {ENDPOINT_ID} --region us-east-1" in (
            check.fix or ""
        )

    def test_does_not_suggest_auto_accept_for_an_account_already_listed(self) -> None:
        facts = consumer(endpoint=endpoint(state="pendingAcceptance"))
        ctx = context(provider_facts=provider(auto_accept_accounts=(CONSUMER_ACCOUNT,)), consumer_facts=facts)
        assert "auto_accept_principals" not in (verdict(ctx, "consumer.endpoint").fix or "")

    @pytest.mark.parametrize("state", ["rejected", "failed", "expired", "deleted"])
    def test_fails_in_a_terminal_state(self, state: str) -> None:
        facts = consumer(endpoint=endpoint(state=state, last_error="InvalidSubnet: no service in use1-az3"))
        check = verdict(context(consumer_facts=facts), "consumer.endpoint")
        assert check.status is Status.FAIL
        assert state in check.summary

    def test_warns_while_pending(self) -> None:
        facts = consumer(endpoint=endpoint(state="pending"))
        assert verdict(context(consumer_facts=facts), "consumer.endpoint").status is Status.WARN

    def test_fails_when_not_found(self) -> None:
        check = verdict(context(consumer_facts=consumer(endpoint=None)), "consumer.endpoint")
        assert check.status is Status.FAIL
        assert "--endpoint-id" in (check.fix or "")

    def test_a_missing_endpoint_skips_the_checks_that_need_it(self) -> None:
        ids = {c.id for c in run_checks(context(consumer_facts=consumer(endpoint=None)))}
        assert not ids & {"consumer.security-group", "consumer.nacls", "consumer.dns-entries", "link.service"}


class TestAvailabilityZones:
    def test_passes_when_zone_ids_match_although_names_differ(self) -> None:
        check = verdict(context(), "consumer.availability-zones")
        assert check.status is Status.PASS
        assert "use1-az1, use1-az2" in check.summary

    def test_fails_for_a_subnet_in_a_zone_the_service_lacks(self) -> None:
        subnets = (
            Subnet("subnet-ca", "vpc-consumer", "us-east-1c", "use1-az1", "10.60.0.0/24"),
            Subnet("subnet-cb", "vpc-consumer", "us-east-1d", "use1-az3", "10.60.1.0/24"),
        )
        check = verdict(context(consumer_facts=consumer(subnets=subnets)), "consumer.availability-zones")
        assert check.status is Status.FAIL
        assert "subnet-cb (use1-az3)" in check.summary
        assert "subnet-ca" not in check.summary

    def test_maps_zone_names_to_ids_when_the_service_gives_names_only(self) -> None:
        facts = provider(service=service(availability_zone_ids=()))
        assert verdict(context(provider_facts=facts), "consumer.availability-zones").status is Status.PASS

    def test_uses_the_consumers_view_without_the_provider(self) -> None:
        ctx = replace(context(), provider=None)
        assert verdict(ctx, "consumer.availability-zones").status is Status.PASS

    def test_warns_when_the_endpoint_uses_one_zone_only(self) -> None:
        facts = consumer(endpoint=endpoint(subnet_ids=("subnet-ca",)))
        assert verdict(context(consumer_facts=facts), "consumer.availability-zones").status is Status.WARN


class TestSecurityGroup:
    def test_passes_when_the_port_is_open_to_the_peers(self) -> None:
        facts = consumer(peers=("10.60.4.0/22",))
        check = verdict(context(consumer_facts=facts), "consumer.security-group")
        assert check.status is Status.PASS
        assert "5432 from 10.60.0.0/16" in check.summary

    def test_fails_when_no_rule_admits_the_port(self) -> None:
        facts = consumer(security_groups=(SecurityGroup("sg-endpoint"),))
        check = verdict(context(consumer_facts=facts), "consumer.security-group")
        assert check.status is Status.FAIL
        assert "admits port 5432" in check.summary
        assert "allowed_peers" in (check.fix or "")

    def test_fails_when_a_named_peer_is_not_admitted(self) -> None:
        facts = consumer(peers=("10.70.0.0/16", "sg-0clients"))
        check = verdict(context(consumer_facts=facts), "consumer.security-group")
        assert check.status is Status.FAIL
        assert "10.70.0.0/16 on 5432" in check.summary
        assert "sg-0clients on 5432" in check.summary

    def test_a_security_group_peer_is_admitted_by_a_group_rule(self) -> None:
        groups = (SecurityGroup("sg-endpoint", ingress=(tcp_rule(5432, groups=("sg-0clients",)),)),)
        facts = consumer(security_groups=groups, peers=("sg-0clients",))
        assert verdict(context(consumer_facts=facts), "consumer.security-group").status is Status.PASS

    def test_warns_when_open_to_everyone(self) -> None:
        groups = (SecurityGroup("sg-endpoint", ingress=(tcp_rule(5432, "0.0.0.0/0"),)),)
        facts = consumer(security_groups=groups)
        assert verdict(context(consumer_facts=facts), "consumer.security-group").status is Status.WARN


def acl(*entries: AclEntry) -> NetworkAcl:
    return NetworkAcl("acl-custom", ("subnet-ca", "subnet-cb"), entries)


class TestNetworkAcls:
    def test_passes_with_the_default_acl(self) -> None:
        assert verdict(context(), "consumer.nacls").status is Status.PASS

    def test_fails_when_the_port_is_denied(self) -> None:
        custom = acl(
            AclEntry(90, False, "6", False, "0.0.0.0/0", 5432, 5432),
            AclEntry(100, False, "-1", True, "0.0.0.0/0"),
            AclEntry(100, True, "-1", True, "0.0.0.0/0"),
        )
        check = verdict(context(consumer_facts=consumer(network_acls=(custom,))), "consumer.nacls")
        assert check.status is Status.FAIL
        assert "acl-custom inbound TCP 5432 from 10.60.0.0/16" in check.summary

    def test_fails_when_return_traffic_is_denied(self) -> None:
        custom = acl(AclEntry(100, False, "6", True, "10.60.0.0/16", 5432, 5432))
        check = verdict(context(consumer_facts=consumer(network_acls=(custom,))), "consumer.nacls")
        assert check.status is Status.FAIL
        assert "outbound TCP 1024-65535 to 10.60.0.0/16" in check.summary

    def test_warns_when_only_the_linux_ephemeral_range_returns(self) -> None:
        custom = acl(
            AclEntry(100, False, "6", True, "10.60.0.0/16", 5432, 5432),
            AclEntry(100, True, "6", True, "10.60.0.0/16", 32768, 65535),
        )
        check = verdict(context(consumer_facts=consumer(network_acls=(custom,))), "consumer.nacls")
        assert check.status is Status.WARN
        assert "only 32768-60999 allowed" in check.summary


class TestVpcDns:
    def test_passes_when_both_attributes_are_on(self) -> None:
        assert verdict(context(), "consumer.vpc-dns").status is Status.PASS

    def test_fails_when_hostnames_are_off(self) -> None:
        facts = consumer(vpc=Vpc("vpc-consumer", ("10.60.0.0/16",), True, False))
        check = verdict(context(consumer_facts=facts), "consumer.vpc-dns")
        assert check.status is Status.FAIL
        assert "enableDnsHostnames is off in vpc-consumer" in check.summary
        assert "--enable-dns-hostnames '{\"Value\":true}'" in (check.fix or "")

    def test_does_not_apply_without_private_dns_or_a_private_zone(self) -> None:
        facts = consumer(hosted_zone=None, vpc=Vpc("vpc-consumer", ("10.60.0.0/16",), False, False))
        assert all(c.id != "consumer.vpc-dns" for c in run_checks(context(consumer_facts=facts)))


class TestDnsEntries:
    def test_passes_when_the_zone_aliases_the_endpoint(self) -> None:
        check = verdict(context(), "consumer.dns-entries")
        assert check.status is Status.PASS
        assert "db.example.internal alias to" in check.summary

    def test_fails_when_a_record_points_elsewhere(self) -> None:
        zone = HostedZone(
            "Z0PHZ",
            "example.internal",
            True,
            ("vpc-consumer",),
            (Record("db.example.internal.", "A", "old.example."),),
        )
        check = verdict(context(consumer_facts=consumer(hosted_zone=zone)), "consumer.dns-entries")
        assert check.status is Status.FAIL
        assert "db.example.internal points to old.example, not to this endpoint" in check.summary

    def test_fails_when_the_zone_is_not_associated_with_the_vpc(self) -> None:
        zone = HostedZone(
            "Z0PHZ",
            "example.internal",
            True,
            ("vpc-other",),
            (Record("db.example.internal.", "A", REGIONAL_NAME),),
        )
        check = verdict(context(consumer_facts=consumer(hosted_zone=zone)), "consumer.dns-entries")
        assert check.status is Status.FAIL
        assert "not associated with vpc-consumer" in check.summary

    def test_fails_when_the_client_hostname_is_not_in_the_zone(self) -> None:
        facts = consumer(client_hostname="orders.example.internal")
        assert verdict(context(consumer_facts=facts), "consumer.dns-entries").status is Status.FAIL

    def test_fails_when_an_available_endpoint_has_no_dns_name(self) -> None:
        facts = consumer(endpoint=endpoint(dns_entries=()))
        assert verdict(context(consumer_facts=facts), "consumer.dns-entries").status is Status.FAIL

    def test_warns_when_the_zone_cannot_be_read(self) -> None:
        facts = consumer(hosted_zone=Unknown("route53:GetHostedZone: AccessDenied"))
        assert verdict(context(consumer_facts=facts), "consumer.dns-entries").status is Status.WARN


class TestPrivateDns:
    def test_passes_when_off_with_a_private_zone(self) -> None:
        assert verdict(context(), "consumer.private-dns").status is Status.PASS

    def test_fails_when_on_but_the_name_is_not_verified(self) -> None:
        facts = provider(
            service=service(private_dns_name="db.example.com", private_dns_state="pendingVerification")
        )
        ctx = context(
            provider_facts=facts, consumer_facts=consumer(endpoint=endpoint(private_dns_enabled=True))
        )
        check = verdict(ctx, "consumer.private-dns")
        assert check.status is Status.FAIL
        assert "db.example.com is pendingVerification" in check.summary

    def test_passes_when_on_and_verified(self) -> None:
        facts = provider(service=service(private_dns_name="db.example.com", private_dns_state="verified"))
        ctx = context(
            provider_facts=facts, consumer_facts=consumer(endpoint=endpoint(private_dns_enabled=True))
        )
        assert verdict(ctx, "consumer.private-dns").status is Status.PASS

    def test_uses_the_consumers_view_of_the_name(self) -> None:
        view = ServiceView("svc", (), (), "db.example.com", "failed", True, None)
        facts = consumer(service_view=view, endpoint=endpoint(private_dns_enabled=True))
        ctx = replace(context(consumer_facts=facts), provider=None)
        assert verdict(ctx, "consumer.private-dns").status is Status.FAIL

    def test_warns_when_a_verified_name_goes_unused(self) -> None:
        facts = provider(service=service(private_dns_name="db.example.com", private_dns_state="verified"))
        ctx = context(provider_facts=facts, consumer_facts=consumer(hosted_zone=None))
        assert verdict(ctx, "consumer.private-dns").status is Status.WARN


class TestLink:
    def test_ports_pass_when_equal(self) -> None:
        assert verdict(context(), "link.ports").status is Status.PASS

    def test_ports_fail_when_the_consumer_uses_a_port_the_provider_lacks(self) -> None:
        check = verdict(context(consumer_facts=consumer(declared_ports=(5432, 6432))), "link.ports")
        assert check.status is Status.FAIL
        assert "6432" in check.summary

    def test_ports_warn_when_the_consumer_opens_fewer(self) -> None:
        lb = load_balancer(listeners=(Listener(5432, "TCP", ("arn:tg/port5432",)), Listener(6432, "TCP", ())))
        check = verdict(context(provider_facts=provider(load_balancers=(lb,))), "link.ports")
        assert check.status is Status.WARN
        assert "6432" in check.summary

    def test_service_fails_when_the_endpoint_connects_elsewhere(self) -> None:
        other = "com.amazonaws.vpce.us-east-1.vpce-svc-0fffffffffffffff0"
        check = verdict(
            context(consumer_facts=consumer(endpoint=endpoint(service_name=other))), "link.service"
        )
        assert check.status is Status.FAIL
        assert other in check.summary

    def test_dns_names_of_the_endpoint_count_for_the_client_hostname(self) -> None:
        facts = consumer(
            client_hostname=REGIONAL_NAME, endpoint=endpoint(dns_entries=(DnsEntry(REGIONAL_NAME, "Z"),))
        )
        assert verdict(context(consumer_facts=facts), "consumer.dns-entries").status is Status.PASS
