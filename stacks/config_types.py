"""The config's field types: each a pydantic type with the library rule that checks it.

A rule's problems become one pydantic error whose context ``config_errors`` renders at the
field's path, so ``Ports``, ``Account`` or ``Cidrs`` check a value the same way wherever a
model uses them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr

from privatelink_constructs import rules
from privatelink_constructs.rules import Problem

from .choices import LOG_RETENTIONS
from .config_errors import raise_problems

__all__ = [
    "Account",
    "Cidr",
    "Cidrs",
    "ConsumerName",
    "DnsName",
    "Model",
    "PrefixListId",
    "Region",
    "Retention",
    "RuleQuota",
    "SecurityGroupId",
    "SourceIdentifiers",
    "Tags",
    "Text",
    "Texts",
    "TopicArn",
    "VpcCidr",
    "ZoneIds",
    "choice",
    "rule",
]


class Model(BaseModel):
    """A config section: unknown keys refused, values frozen once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_T = TypeVar("_T")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,63}")


def rule(check: Callable[[_T], Iterable[Problem]]) -> AfterValidator:
    """A field validator from a rule: its problems are reported at the field's path."""

    def validate(value: _T) -> _T:
        raise_problems(check(value), field=True)
        return value

    return AfterValidator(validate)


def _scalar(check: Callable[[list[_T]], Iterable[Problem]]) -> Callable[[_T], list[Problem]]:
    """A list rule applied to one value."""
    return lambda value: [replace(problem, index=None) for problem in check([value])]


def choice(allowed: Iterable[object]) -> AfterValidator:
    """A field validator: the value is one of ``allowed``."""
    choices = list(allowed)
    return rule(lambda value: rules.check_choice(value, argument="", allowed=choices))


Text = Annotated[StrictStr, Field(min_length=1)]
Texts = tuple[Text, ...]
Account = Annotated[Text, rule(_scalar(lambda v: rules.check_principals(v, argument="", allow_arns=False)))]
Region = Annotated[Text, rule(lambda v: rules.check_region(v, argument=""))]
DnsName = Annotated[Text, rule(lambda v: rules.check_dns_name(v, argument=""))]
Cidrs = Annotated[Texts, rule(lambda v: rules.check_cidrs(v, argument="", allow_broad=True))]
"""CIDR blocks, valid and canonical; how broad they may be is the model's question (``allow_broad_cidrs``)."""
Retention = Annotated[
    StrictInt,
    rule(
        lambda v: (
            []
            if v in LOG_RETENTIONS
            else [
                Problem("", f"{v} is not a CloudWatch Logs retention; expected one of {list(LOG_RETENTIONS)}")
            ]
        )
    ),
]
TopicArn = Annotated[Text, rule(lambda v: rules.check_topic_arn(v, argument=""))]
"""An SNS topic ARN; its partition and account are the model's question (they need ``env``)."""
SourceIdentifiers = Annotated[
    tuple[StrictStr, ...], rule(lambda v: rules.check_source_identifiers(v, argument=""))
]
RuleQuota = Annotated[StrictInt, rule(lambda v: rules.check_rule_quota(v, argument=""))]
"""The account's VPC quota of rules per security group (``security_group_rule_quota``)."""
Tags = Mapping[Text, StrictStr]


def _vpc_cidr(cidr: str) -> list[Problem]:
    try:
        network = ipaddress.IPv4Network(cidr, strict=False)
    except ValueError:
        return [Problem("", f"{cidr!r} is not an IPv4 CIDR block (like '10.40.0.0/16')")]
    problems = [replace(p, index=None) for p in rules.check_cidrs([cidr], argument="", allow_broad=True)]
    if not problems and not 16 <= network.prefixlen <= 28:
        problems.append(Problem("", f"{cidr!r} must have a prefix between /16 and /28 (VPC limits)"))
    return problems


def _resource_id(value: str, prefix: str, what: str) -> list[Problem]:
    if re.fullmatch(rf"{prefix}-[0-9a-f]{{8,17}}", value):
        return []
    return [Problem("", f"{value!r} is not {what} (like '{prefix}-0123456789abcdef0')")]


def _consumer_name(name: str) -> list[Problem]:
    if _NAME.fullmatch(name):
        return []
    return [Problem("", f"{name!r} must be letters, digits and hyphens, starting with a letter")]


Cidr = Annotated[Text, rule(_scalar(lambda v: rules.check_cidrs(v, argument="", allow_broad=True)))]
VpcCidr = Annotated[Text, rule(_vpc_cidr)]
SecurityGroupId = Annotated[Text, rule(lambda v: _resource_id(v, "sg", "a security group ID"))]
PrefixListId = Annotated[Text, rule(lambda v: _resource_id(v, "pl", "a prefix list ID"))]
ConsumerName = Annotated[Text, rule(_consumer_name)]
ZoneIds = Annotated[Texts, rule(lambda v: rules.check_zone_ids(v, argument=""))]
