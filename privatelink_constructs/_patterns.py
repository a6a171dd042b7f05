"""The shapes of AWS names, each stated once, with no CDK: for the rules and for the command line.

``rules`` (which needs aws-cdk-lib) judges construct arguments and config values with these;
the ``privatelink-cdk`` command and its handoff reader (which must not load aws-cdk-lib) judge
files and outputs with the same ones, so a handoff file the command accepts is one the config
accepts too. Match with ``fullmatch``: ``$`` would also match before a trailing newline.
"""

from __future__ import annotations

import re

__all__ = [
    "ACCOUNT_ID",
    "DNS_LABEL",
    "DOMAIN_SUFFIX_BY_PARTITION",
    "PARTITIONS",
    "REGION",
    "REGION_NAME",
    "SERVICE_NAME",
    "SERVICE_NAME_PREFIXES",
    "SERVICE_NAME_PREFIX_BY_PARTITION",
    "ZONE_ID",
    "is_dns_name",
    "region_of_service_name",
]

SERVICE_NAME_PREFIX_BY_PARTITION: dict[str, str] = {
    "aws": "com.amazonaws.vpce",
    "aws-cn": "cn.com.amazonaws.vpce",
    "aws-eusc": "eu.amazonaws.vpce",
    "aws-iso": "gov.ic.c2s.vpce",
    "aws-iso-b": "gov.sgov.sc2s.vpce",
    "aws-iso-e": "uk.adc-e.cloud.vpce",
    "aws-iso-f": "gov.ic.hci.csp.vpce",
    "aws-us-gov": "com.amazonaws.vpce",
}
"""The endpoint service name prefix of every AWS partition.

This and ``DOMAIN_SUFFIX_BY_PARTITION`` restate aws-cdk-lib's regional facts (``RegionInfo``), and a
test keeps them equal: reading those facts over jsii at import costs a fifth of a second per process.
"""

DOMAIN_SUFFIX_BY_PARTITION: dict[str, str] = {
    "aws": "amazonaws.com",
    "aws-cn": "amazonaws.com.cn",
    "aws-eusc": "amazonaws.eu",
    "aws-iso": "c2s.ic.gov",
    "aws-iso-b": "sc2s.sgov.gov",
    "aws-iso-e": "cloud.adc-e.uk",
    "aws-iso-f": "csp.hci.ic.gov",
    "aws-us-gov": "amazonaws.com",
}
"""The domain AWS's own service names end with, in every partition."""

PARTITIONS: tuple[str, ...] = tuple(sorted(SERVICE_NAME_PREFIX_BY_PARTITION))
"""Every AWS partition (``aws``, ``aws-cn``, ``aws-us-gov``, ...)."""

SERVICE_NAME_PREFIXES: tuple[str, ...] = tuple(sorted(set(SERVICE_NAME_PREFIX_BY_PARTITION.values())))
"""Endpoint service name prefixes of every partition (``cn.com...`` in China)."""

ACCOUNT_ID = re.compile(r"\d{12}", re.ASCII)
"""A 12-digit AWS account ID."""

REGION = r"[a-z]{2,4}(?:-[a-z]+){1,3}-\d{1,2}"
"""A region name (``eu-west-1``, ``us-gov-west-1``, ``cn-north-1``), as a pattern to embed."""
REGION_NAME = re.compile(REGION, re.ASCII)
"""A region name."""

SERVICE_NAME = re.compile(
    rf"({'|'.join(re.escape(p) for p in SERVICE_NAME_PREFIXES)})\.({REGION})\.vpce-svc-[0-9a-f]{{17}}",
    re.ASCII,
)
"""An endpoint service name, ``<prefix>.<region>.vpce-svc-<17 hex>``; group 2 is the region."""

ZONE_ID = re.compile(r"(?P<region>[a-z]{2,}[0-9]+)-az(?P<zone>[0-9]+)", re.ASCII)
"""An Availability Zone ID: ``use1-az1``, ``euw2-az3``, ``cnn1-az2``."""

DNS_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)", re.ASCII)
"""One label of a DNS name: lower-case letters, digits and inner hyphens, 63 at most."""


def is_dns_name(name: object) -> bool:
    """A fully qualified DNS name: lower-case LDH labels, at least two, 253 characters at most."""
    if not isinstance(name, str) or name == "":
        return False
    labels = name.removesuffix(".").split(".")
    return len(name) <= 253 and len(labels) >= 2 and all(DNS_LABEL.fullmatch(label) for label in labels)


def region_of_service_name(name: str) -> str | None:
    """The region an endpoint service name says (``us-east-1``), or None for no service name."""
    match = SERVICE_NAME.fullmatch(name)
    return match.group(2) if match is not None else None
