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
    "REGION",
    "REGION_NAME",
    "SERVICE_NAME",
    "SERVICE_NAME_PREFIXES",
    "ZONE_ID",
    "is_dns_name",
    "region_of_service_name",
]

SERVICE_NAME_PREFIXES: tuple[str, ...] = (
    "cn.com.amazonaws.vpce",
    "com.amazonaws.vpce",
    "eu.amazonaws.vpce",
    "gov.ic.c2s.vpce",
    "gov.ic.hci.csp.vpce",
    "gov.sgov.sc2s.vpce",
    "uk.adc-e.cloud.vpce",
)
"""Endpoint service name prefixes of every partition (``cn.com...`` in China); a test keeps this
list equal to aws-cdk-lib's regional facts (``RegionInfo``)."""

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
