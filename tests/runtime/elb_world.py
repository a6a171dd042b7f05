"""A moto world for the updater: ELB's documented target rules, an Aurora cluster and its DNS.

Shared by the runtime tests and ``scripts/bench_target_updater.py``. Call it inside
``moto.mock_aws()``.

moto registers any target it is given. ELB does not, and ``ElbRules`` adds its documented rules
to every ELBv2 client created from boto3's default session (the handler creates its own):

- a target is an IP address and a port (the port defaults to the group's);
- a target group holds one IP family: an IPv4 group refuses IPv6 addresses and the reverse;
- an address inside one of the VPC's CIDR blocks (IPv4 or IPv6, primary or secondary) may not
  be registered with AvailabilityZone ``all``; one outside the VPC must be;
- outside the VPC, only RFC 1918 and RFC 6598 IPv4 addresses are accepted (no public,
  link-local or loopback address);
- DescribeTargetHealth reports the zone a target was registered with.
"""

from __future__ import annotations

import ipaddress
import json
import random
import socket
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from privatelink_constructs.target_updater.runtime import handler as updater
from tests.runtime.lambda_runtime import FakeContext

if TYPE_CHECKING:
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_rds import RDSClient

REGION = "eu-west-1"
VPC_CIDR = "10.40.0.0/16"
SECONDARY_CIDR = "10.41.0.0/16"
OUTSIDE_RANGES = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


def elbv2_client() -> ElasticLoadBalancingv2Client:
    """An ELBv2 client without ELB's rules (moto answers it inside ``mock_aws``)."""
    client: ElasticLoadBalancingv2Client = plain_client("elbv2")
    return client


@cache
def _plain_session() -> boto3.session.Session:
    """A session without the rules' hooks, for the rules' own look-ups and the tests' set-up."""
    return boto3.session.Session(region_name=REGION)


@cache
def plain_client(service: str) -> Any:
    """A client of ``_plain_session`` (made once: creating clients is what costs time)."""
    return _plain_session().client(service)  # type: ignore[call-overload]


class ElbRules:
    """ELB's documented target rules, enforced on RegisterTargets and DeregisterTargets."""

    def __init__(self) -> None:
        """Start with no registration seen."""
        self.zones: dict[tuple[str, str, int], str] = {}
        self.refusals: list[str] = []
        self._groups: dict[str, tuple[str, str]] = {}
        self._blocks: dict[str, list[ipaddress.IPv4Network | ipaddress.IPv6Network]] = {}

    def forget_vpcs(self) -> None:
        """Read the VPCs' blocks again at the next call (a test added one)."""
        self._blocks.clear()

    def _group(self, arn: str) -> tuple[str, list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
        if arn not in self._groups:
            (group,) = plain_client("elbv2").describe_target_groups(TargetGroupArns=[arn])["TargetGroups"]
            self._groups[arn] = (group.get("IpAddressType", "ipv4"), group["VpcId"])
        family, vpc_id = self._groups[arn]
        if vpc_id not in self._blocks:
            (vpc,) = plain_client("ec2").describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
            blocks = [a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet", [])]
            blocks += [a["Ipv6CidrBlock"] for a in vpc.get("Ipv6CidrBlockAssociationSet", [])]
            self._blocks[vpc_id] = [ipaddress.ip_network(b) for b in blocks]
        return family, self._blocks[vpc_id]

    def _refuse(self, operation: str, code: str, message: str) -> None:
        self.refusals.append(f"{code}: {message}")
        raise ClientError({"Error": {"Code": code, "Message": message}}, operation)

    def check(self, operation: str, params: dict[str, Any]) -> None:
        """Raise as ELB would for a target it refuses."""
        family, blocks = self._group(params["TargetGroupArn"])
        for target in params.get("Targets", []):
            address = ipaddress.ip_address(target["Id"])
            zone = target.get("AvailabilityZone")
            if (address.version == 6) != (family == "ipv6"):
                self._refuse(
                    operation, "ValidationError", f"{address} does not match the {family} target group"
                )
            inside = any(address.version == b.version and address in b for b in blocks)
            if inside and zone == "all":
                self._refuse(
                    operation, "ValidationError", f"{address} is in the VPC: zone 'all' is not allowed"
                )
            if not inside and zone != "all":
                self._refuse(
                    operation, "ValidationError", f"{address} is outside the VPC: zone must be 'all'"
                )
            if not inside and address.version == 4 and not any(address in r for r in OUTSIDE_RANGES):
                self._refuse(operation, "InvalidTarget", f"{address} is not a private address ELB can target")
            if operation == "RegisterTargets" and zone:
                self.zones[(params["TargetGroupArn"], str(address), int(target.get("Port", 0)))] = zone

    def _before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.check(model.name, params)

    def _after_health(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        arn = context.get("target_group_arn")
        for description in parsed.get("TargetHealthDescriptions", []):
            target = description["Target"]
            zone = self.zones.get((str(arn), target["Id"], int(target.get("Port", 0))))
            if zone:
                target["AvailabilityZone"] = zone

    def _remember_arn(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["target_group_arn"] = params.get("TargetGroupArn")

    def attach(self, events: Any) -> None:
        """Add the rules to an event system (a client's or a session's)."""
        for operation in ("RegisterTargets", "DeregisterTargets"):
            events.register(f"before-parameter-build.elastic-load-balancing-v2.{operation}", self._before)
        events.register(
            "before-parameter-build.elastic-load-balancing-v2.DescribeTargetHealth", self._remember_arn
        )
        events.register("after-call.elastic-load-balancing-v2.DescribeTargetHealth", self._after_health)


@contextmanager
def elb_rules() -> Iterator[ElbRules]:
    """Every client boto3's default session creates in this block obeys ``ElbRules``."""
    previous = boto3.DEFAULT_SESSION
    boto3.setup_default_session(region_name=REGION)
    rules = ElbRules()
    assert boto3.DEFAULT_SESSION is not None
    rules.attach(boto3.DEFAULT_SESSION.events)
    try:
        yield rules
    finally:
        boto3.DEFAULT_SESSION = previous


class World:
    """A VPC (two IPv4 blocks and an IPv6 block) with an internal NLB; groups added as tests need.

    Creating the VPC and the NLB is what costs time in moto, so one world serves many tests,
    each with target groups of its own.
    """

    def __init__(self) -> None:
        """Create the VPC, its blocks, a subnet and the NLB."""
        ec2 = plain_client("ec2")
        vpc = ec2.create_vpc(CidrBlock=VPC_CIDR, AmazonProvidedIpv6CidrBlock=True)["Vpc"]
        self.vpc_id = vpc["VpcId"]
        ec2.associate_vpc_cidr_block(VpcId=self.vpc_id, CidrBlock=SECONDARY_CIDR)
        (described,) = ec2.describe_vpcs(VpcIds=[self.vpc_id])["Vpcs"]
        self.ipv6_cidr = described["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
        subnet = ec2.create_subnet(VpcId=self.vpc_id, CidrBlock="10.40.1.0/24", AvailabilityZone=f"{REGION}a")
        balancer = plain_client("elbv2").create_load_balancer(
            Name="nlb", Subnets=[subnet["Subnet"]["SubnetId"]], Scheme="internal", Type="network"
        )
        self.load_balancer_arn = balancer["LoadBalancers"][0]["LoadBalancerArn"]
        self._created = 0

    def ipv6(self, host: int) -> str:
        """An address inside the VPC's IPv6 block."""
        return str(ipaddress.ip_network(self.ipv6_cidr)[host])

    def target_groups(self, count: int, *, family: int = 4, listeners: bool = True) -> list[str]:
        """``count`` new IP target groups of one family, each behind a listener; their ARNs."""
        elbv2 = plain_client("elbv2")
        arns = []
        for _ in range(count):
            self._created += 1
            group = elbv2.create_target_group(
                Name=f"tg-{self._created}",
                Protocol="TCP",
                Port=5432,
                VpcId=self.vpc_id,
                TargetType="ip",
                IpAddressType="ipv6" if family == 6 else "ipv4",
            )["TargetGroups"][0]["TargetGroupArn"]
            if not listeners:
                arns.append(group)
                continue
            elbv2.create_listener(
                LoadBalancerArn=self.load_balancer_arn,
                Protocol="TCP",
                Port=1000 + self._created,
                DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
            )
            arns.append(group)
        return arns


def target_groups(count: int) -> list[str]:
    """``count`` IPv4 target groups behind one internal NLB in a new VPC; their ARNs."""
    return World().target_groups(count)


def registered(elbv2: ElasticLoadBalancingv2Client, arn: str) -> set[tuple[str, int]]:
    """The target group's targets as (address, port)."""
    health = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    return {(d["Target"]["Id"], d["Target"]["Port"]) for d in health}


def addresses(elbv2: ElasticLoadBalancingv2Client, arn: str) -> set[str]:
    """The target group's addresses."""
    return {ip for ip, _ in registered(elbv2, arn)}


def register(arn: str, *ips: str, port: int = 5432) -> None:
    """Register targets directly (as a previous run would have), without the rules."""
    targets: list[Any] = [{"Id": ip, "Port": port} for ip in ips]
    plain_client("elbv2").register_targets(TargetGroupArn=arn, Targets=targets)


@dataclass
class CallCounter:
    """Counts the AWS API calls clients make, by operation name."""

    calls: list[str] = field(default_factory=list)

    def attach(self, client: Any) -> None:
        """Count this client's calls."""
        client.meta.events.register("before-call", self._record)

    def attach_session(self, session: Any) -> None:
        """Count the calls of every client the session creates from now on."""
        session.events.register("before-call", self._record)

    def _record(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)

    def reset(self) -> None:
        """Forget the calls seen so far."""
        self.calls.clear()


def counted_state(env: dict[str, str]) -> tuple[updater.WarmState, CallCounter]:
    """A warm container whose clients count their calls."""
    state = updater.WarmState()
    state.clients = updater.default_clients(updater.Settings.from_env(env))
    counter = CallCounter()
    for client in (state.clients.elbv2, state.clients.ec2, state.clients.rds):
        if client is not None:
            counter.attach(client)
    return state, counter


@dataclass
class FakeResolver:
    """Answers from a table, or raises; counts its calls. ``answers`` may change between calls."""

    answers: dict[str, list[str]]
    failures: dict[str, list[OSError | None]] = field(default_factory=dict)
    calls: int = 0

    def __call__(self, hostname: str, family: int) -> Iterable[str]:
        """The table's addresses of one family for ``hostname``."""
        self.calls += 1
        queued = self.failures.get(hostname)
        if queued:
            failure = queued.pop(0)
            if failure is not None:
                raise failure
        return [a for a in self.answers.get(hostname, []) if (":" in a) == (family == 6)]


def switching_resolver(
    hostname: str, before: list[str], after: list[str], switch_at: float, clock: Callable[[], float]
) -> Callable[[str, int], list[str]]:
    """A resolver that answers ``before`` until ``clock()`` reaches ``switch_at``, then ``after``."""

    def resolve(name: str, family: int) -> list[str]:
        if name != hostname or family != 4:
            return []
        return list(after if clock() >= switch_at else before)

    return resolve


class FakeClock:
    """A clock that only moves when the code sleeps."""

    def __init__(self) -> None:
        """Start at zero."""
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        """The current fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Move the clock on instead of waiting."""
        self.sleeps.append(seconds)
        self.now += seconds


# ---- the database ------------------------------------------------------------------------------


@dataclass
class Aurora:
    """An Aurora cluster in moto, its instances' addresses, and DNS answers as RDS gives them.

    Each instance endpoint resolves to one address. The cluster endpoint resolves to the
    writer's address; the reader endpoint to one random reader per lookup (the writer when
    there is none), as Aurora's DNS does.
    """

    identifier: str
    rds: RDSClient
    ips: dict[str, str]
    endpoints: dict[str, str]
    cluster_endpoint: str
    reader_endpoint: str
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    @classmethod
    def create(cls, identifier: str, readers: int, *, first_host: int = 10) -> Aurora:
        """A cluster with one writer (``<id>-0``) and ``readers`` readers, addresses in the VPC."""
        rds = plain_client("rds")
        cluster = rds.create_db_cluster(
            DBClusterIdentifier=identifier,
            Engine="aurora-postgresql",
            MasterUsername="admin_user",
            MasterUserPassword="not-a-real-password",
        )["DBCluster"]
        aurora = cls(identifier, rds, {}, {}, cluster["Endpoint"], cluster["ReaderEndpoint"])
        for index in range(readers + 1):
            aurora.add_instance(f"10.40.2.{first_host + index}")
        return aurora

    def add_instance(self, ip: str) -> str:
        """A new member instance with ``ip``; returns its identifier."""
        instance_id = f"{self.identifier}-{len(self.ips)}"
        instance = self.rds.create_db_instance(
            DBInstanceIdentifier=instance_id,
            DBClusterIdentifier=self.identifier,
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
        )["DBInstance"]
        self.ips[instance_id] = ip
        self.endpoints[instance["Endpoint"]["Address"]] = instance_id
        return instance_id

    def members(self) -> list[tuple[str, bool]]:
        """(instance, is writer) as the RDS API shows them."""
        (cluster,) = self.rds.describe_db_clusters(DBClusterIdentifier=self.identifier)["DBClusters"]
        return [(m["DBInstanceIdentifier"], bool(m["IsClusterWriter"])) for m in cluster["DBClusterMembers"]]

    def writer(self) -> str:
        """The writer instance."""
        return next(i for i, w in self.members() if w)

    def readers(self) -> list[str]:
        """The reader instances."""
        return [i for i, w in self.members() if not w]

    def fail_over(self, to: str) -> None:
        """Make ``to`` the writer (the old writer becomes a reader)."""
        self.rds.failover_db_cluster(DBClusterIdentifier=self.identifier, TargetDBInstanceIdentifier=to)

    def resolve(self, hostname: str, family: int) -> list[str]:
        """DNS as RDS answers it: instance endpoints, the cluster and the reader endpoint."""
        if family != 4:
            return []
        if hostname in self.endpoints:
            return [self.ips[self.endpoints[hostname]]]
        if hostname == self.cluster_endpoint:
            return [self.ips[self.writer()]]
        if hostname == self.reader_endpoint:
            readers = self.readers() or [self.writer()]
            return [self.ips[self.rng.choice(readers)]]
        raise socket.gaierror(socket.EAI_NONAME, f"{hostname}: Name or service not known")


# ---- the handler's input and output --------------------------------------------------------------


def environment(
    arns: list[str],
    *,
    hostname: str,
    mode: str = "dns",
    identifier: str | None = None,
    first_port: int = 5432,
    **extra: str,
) -> dict[str, str]:
    """The environment the construct writes, for these target groups (ports 5432, 5433, ...)."""
    env = {
        "HOSTNAME": hostname,
        "MODE": mode,
        "TARGET_GROUPS": ",".join(f"{first_port + i}={arn.rsplit('/', 1)[-1]}" for i, arn in enumerate(arns)),
        "AWS_LAMBDA_FUNCTION_NAME": "updater",
    }
    if identifier is not None:
        env["DB_IDENTIFIER"] = identifier
    env.update(extra)
    return env


def scheduled_event() -> dict[str, Any]:
    """What EventBridge's schedule puts in the queue, as the queue hands it to Lambda."""
    return sqs_event({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}})


def failover_event(identifier: str) -> dict[str, Any]:
    """An RDS cluster failover event, as the queue hands it to Lambda."""
    return sqs_event(
        {
            "source": "aws.rds",
            "detail-type": "RDS DB Cluster Event",
            "detail": {"EventCategories": ["failover"], "SourceIdentifier": identifier},
        }
    )


def sqs_event(*bodies: dict[str, Any]) -> dict[str, Any]:
    """An SQS event source batch carrying these EventBridge events."""
    return {
        "Records": [
            {"eventSource": "aws:sqs", "messageId": f"m{i}", "body": json.dumps(body)}
            for i, body in enumerate(bodies)
        ]
    }


def invoke(  # noqa: PLR0913 - keyword-only seams: resolver, clock, warm state, context
    event: object,
    env: dict[str, str],
    *,
    resolver: Any,
    clock: FakeClock | None = None,
    state: updater.WarmState | None = None,
    context: FakeContext | None = None,
) -> dict[str, Any]:
    """Call the Lambda entry point with a fake resolver and clock (a fresh container by default)."""
    clock = clock or FakeClock()
    return updater.handle(
        event,
        context or FakeContext(),
        state=state or updater.WarmState(),
        environ=env,
        resolver=resolver,
        clock=clock,
        sleep=clock.sleep,
    )
