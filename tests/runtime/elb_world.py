"""A moto world for the updater: a VPC, an NLB and IP target groups, plus a fake resolver.

Shared by the adapter tests and ``scripts/bench_target_updater.py``. Call it inside
``moto.mock_aws()``.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client

REGION = "eu-west-1"
VPC_CIDR = "10.40.0.0/16"


def elbv2_client() -> ElasticLoadBalancingv2Client:
    """An ELBv2 client (moto answers it inside ``mock_aws``)."""
    return boto3.client("elbv2", region_name=REGION)


class World:
    """A VPC with one internal NLB; target groups are added as tests need them.

    Creating the VPC and the NLB is what costs time in moto, so one world serves many tests,
    each with target groups of its own.
    """

    def __init__(self) -> None:
        """Create the VPC, a subnet and the NLB."""
        ec2 = boto3.client("ec2", region_name=REGION)
        self.vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR)["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=self.vpc_id, CidrBlock="10.40.1.0/24", AvailabilityZone=f"{REGION}a")
        balancer = elbv2_client().create_load_balancer(
            Name="nlb", Subnets=[subnet["Subnet"]["SubnetId"]], Scheme="internal", Type="network"
        )
        self.load_balancer_arn = balancer["LoadBalancers"][0]["LoadBalancerArn"]
        self._created = 0

    def target_groups(self, count: int) -> list[str]:
        """``count`` new IP target groups, each behind a listener of the NLB; their ARNs."""
        elbv2 = elbv2_client()
        arns = []
        for _ in range(count):
            self._created += 1
            group = elbv2.create_target_group(
                Name=f"tg-{self._created}", Protocol="TCP", Port=5432, VpcId=self.vpc_id, TargetType="ip"
            )["TargetGroups"][0]["TargetGroupArn"]
            elbv2.create_listener(
                LoadBalancerArn=self.load_balancer_arn,
                Protocol="TCP",
                Port=1000 + self._created,
                DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
            )
            arns.append(group)
        return arns


def target_groups(count: int) -> list[str]:
    """``count`` IP target groups behind one internal NLB in a new VPC; their ARNs."""
    return World().target_groups(count)


def registered(elbv2: ElasticLoadBalancingv2Client, arn: str) -> set[tuple[str, int]]:
    """The target group's targets as (address, port)."""
    health = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    return {(d["Target"]["Id"], d["Target"]["Port"]) for d in health}


@dataclass
class CallCounter:
    """Counts the AWS API calls a client makes (every attempt, retries included)."""

    calls: list[str] = field(default_factory=list)

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call", self._record)

    def _record(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)

    def reset(self) -> None:
        self.calls.clear()


@dataclass
class FakeResolver:
    """Answers from a table, or raises; counts its calls. ``answers`` may change between calls."""

    answers: dict[str, list[str]]
    failures: dict[str, list[OSError | None]] = field(default_factory=dict)
    calls: int = 0

    def __call__(self, hostname: str, port: int, family: int) -> Iterable[str]:
        self.calls += 1
        queued = self.failures.get(hostname)
        if queued:
            failure = queued.pop(0)
            if failure is not None:
                raise failure
        want_v6 = family == socket.AF_INET6
        return [a for a in self.answers.get(hostname, []) if (":" in a) == want_v6]


def switching_resolver(
    hostname: str, before: list[str], after: list[str], switch_at: float, clock: Callable[[], float]
) -> Callable[[str, int, int], list[str]]:
    """A resolver that answers ``before`` until ``clock()`` reaches ``switch_at``, then ``after``."""

    def resolve(name: str, port: int, family: int) -> list[str]:
        if name != hostname or family != socket.AF_INET:
            return []
        return list(after if clock() >= switch_at else before)

    return resolve
