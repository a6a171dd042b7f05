"""Small shared checks used by the constructs and by the app's config loader.

Every check returns a list of problems as plain sentences (``"70000 is not a TCP port (1-65535)"``)
prefixed with the argument's name, so the caller decides how to report them: constructs raise one
``ValueError`` naming their construct path, the config loader prefixes the config path. Values
that are unresolved CDK tokens are accepted: they can only be judged at deploy time.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence

from aws_cdk import Token
from constructs import Construct

__all__ = [
    "MAX_NLB_LISTENERS",
    "account_or_principal_problems",
    "dns_name_problem",
    "domain_contains",
    "port_problems",
    "raise_if_problems",
    "region_problem",
    "service_name_problem",
    "target_cidr_problem",
    "to_principal_arn",
]

MAX_NLB_LISTENERS = 50
"""PrivateLink limit: an endpoint service's NLB may have at most 50 listeners."""

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_PARTITIONS = r"aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc"
_IAM_PRINCIPAL_ARN = re.compile(
    rf"^arn:({_PARTITIONS}):iam::\d{{12}}:(root|role/[\w+=,.@/-]{{1,512}}|user/[\w+=,.@/-]{{1,512}})$"
)
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?|-isob)?-[a-z]+-\d{1,2}$")
_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SERVICE_NAME = re.compile(
    r"^com\.amazonaws\.vpce\.[a-z]{2}(-gov|-iso[a-z]?|-isob)?-[a-z]+-\d{1,2}\.vpce-svc-[0-9a-f]{17}$"
)


def _is_token(value: object) -> bool:
    return Token.is_unresolved(value)


def port_problems(
    name: str, ports: Sequence[int | float], *, maximum: int | None = MAX_NLB_LISTENERS
) -> list[str]:
    """Check a list of TCP ports: none, out of 1..65535, duplicates, more than ``maximum``."""
    problems: list[str] = []
    if len(ports) == 0:
        problems.append(f"{name}: at least one TCP port is required, got none")
    if maximum is not None and len(ports) > maximum:
        problems.append(
            f"{name}: at most {maximum} ports are allowed (one NLB listener each, "
            f"the PrivateLink limit), got {len(ports)}"
        )
    seen: set[int | float] = set()
    for index, port in enumerate(ports):
        if _is_token(port):
            continue
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            problems.append(f"{name}[{index}]: {port!r} is not a TCP port (1-65535)")
        elif port in seen:
            problems.append(f"{name}[{index}]: port {port} is listed more than once")
        seen.add(port)
    return problems


def account_or_principal_problems(
    name: str, principals: Sequence[str], *, allow_all: bool, allow_arns: bool = True
) -> list[str]:
    """Check account IDs and IAM principal ARNs (root, role, user); ``*`` only with ``allow_all``."""
    problems: list[str] = []
    seen: set[str] = set()
    allowed = (
        "a 12-digit account ID or an IAM ARN of an account root, role or user"
        if allow_arns
        else "a 12-digit account ID"
    )
    for index, principal in enumerate(principals):
        where = f"{name}[{index}]"
        if _is_token(principal):
            continue
        if not isinstance(principal, str) or principal.strip() == "":
            problems.append(f"{where}: {principal!r} is empty; expected {allowed}")
        elif principal == "*":
            if not allow_all:
                problems.append(
                    f"{where}: '*' would let every AWS account connect; "
                    "pass allow_all_principals=True to mean it"
                )
        elif _ACCOUNT_ID.match(principal) or (allow_arns and _IAM_PRINCIPAL_ARN.match(principal)):
            pass
        elif principal.startswith("arn:") and allow_arns:
            problems.append(
                f"{where}: {principal!r} is not an IAM principal ARN; expected "
                "arn:<partition>:iam::<12-digit account>:root, :role/<name> or :user/<name>"
            )
        else:
            problems.append(f"{where}: {principal!r} is not {allowed}")
        if principal in seen:
            problems.append(f"{where}: {principal!r} is listed more than once")
        seen.add(principal)
    return problems


def to_principal_arn(principal: str, partition: str) -> str:
    """Turn a 12-digit account ID into its root ARN; anything else passes through unchanged."""
    if not _is_token(principal) and _ACCOUNT_ID.match(principal):
        return f"arn:{partition}:iam::{principal}:root"
    return principal


def region_problem(name: str, region: str) -> str | None:
    """Check an AWS region name such as ``eu-west-1`` or ``us-gov-west-1``."""
    if _is_token(region):
        return None
    if not isinstance(region, str) or not _REGION.match(region):
        return f"{name}: {region!r} is not an AWS region name (like 'eu-west-1')"
    return None


def dns_name_problem(name: str, value: str) -> str | None:
    """Check a fully qualified DNS name: lower-case LDH labels, at least two, 253 characters at most."""
    if _is_token(value):
        return None
    allowed = "lower-case letters, digits and hyphens in dot-separated labels, like 'db.example.com'"
    if not isinstance(value, str) or value == "":
        return f"{name}: {value!r} is not a DNS name; expected {allowed}"
    labels = value.rstrip(".").split(".")
    if len(value) > 253 or len(labels) < 2 or not all(_DNS_LABEL.match(label) for label in labels):
        return f"{name}: {value!r} is not a DNS name; expected {allowed}"
    return None


def domain_contains(zone_name: str, dns_name: str) -> bool:
    """Whether ``dns_name`` is ``zone_name`` or a name below it (trailing dots ignored)."""
    zone = zone_name.rstrip(".").lower()
    name = dns_name.rstrip(".").lower()
    return name == zone or name.endswith("." + zone)


def service_name_problem(name: str, value: str) -> str | None:
    """Check an endpoint service name: ``com.amazonaws.vpce.<region>.vpce-svc-<17 hex>``."""
    if _is_token(value):
        return None
    if not isinstance(value, str) or not _SERVICE_NAME.match(value):
        return (
            f"{name}: {value!r} is not an endpoint service name; expected "
            "com.amazonaws.vpce.<region>.vpce-svc-<17 hex digits>"
        )
    return None


def target_cidr_problem(name: str, cidr: str) -> str | None:
    """Check a CIDR block of clients or targets: valid, and not the whole address space."""
    if _is_token(cidr):
        return None
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except (TypeError, ValueError):
        return f"{name}: {cidr!r} is not a CIDR block (like '10.60.0.0/16')"
    if network.prefixlen == 0:
        return f"{name}: {cidr!r} would allow every address; name the networks you mean"
    return None


def raise_if_problems(scope: Construct, problems: Iterable[str]) -> None:
    """Raise one ``ValueError`` naming the construct path and every problem, if there are any."""
    found = list(problems)
    if not found:
        return
    if len(found) == 1:
        raise ValueError(f"{scope.node.path}: {found[0]}")
    listing = "\n".join(f"  - {problem}" for problem in found)
    raise ValueError(f"{scope.node.path}: {len(found)} invalid arguments:\n{listing}")
