"""``privatelink-cdk``: ``doctor`` (is my link working?) and ``handoff`` (what the other side needs).

Exit codes: 0 when no check failed, 1 when one did, 2 on a usage or credential error (one clear
line on stderr, no traceback). Needs boto3 (``pip install 'privatelink-cdk[cli]'``); it never
imports aws-cdk-lib.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from .aws import Clients, Resolver

__all__ = ["INSTALL_HINT", "build_parser", "main"]

INSTALL_HINT = (
    "privatelink-cdk needs boto3 for this command; install the command's extra: "
    "pip install 'privatelink-cdk[cli]' (or pip install boto3)"
)


_SIDE_OPTIONS = {
    "provider side": (
        ("--provider-stack", "NAME", "read the service ID from this stack's outputs"),
        ("--service-id", "vpce-svc-...", "the endpoint service, given directly"),
        ("--provider-profile", "PROFILE", "AWS profile of the provider's account"),
        ("--region", "REGION", "the provider's region (and the consumer's by default)"),
    ),
    "consumer side": (
        ("--consumer-stack", "NAME", "read the endpoint ID from this stack's outputs"),
        ("--endpoint-id", "vpce-...", "the interface endpoint, given directly"),
        ("--consumer-profile", "PROFILE", "AWS profile of the consumer's account"),
        ("--consumer-region", "REGION", "the consumer's region, when it differs"),
    ),
}
"""Options that name one side of the link, by help group: (flag, metavar, help)."""


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``doctor`` and ``handoff``."""
    parser = argparse.ArgumentParser(
        prog="privatelink-cdk",
        description="Diagnose a live AWS PrivateLink link from both sides, and hand it over between them.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{doctor,handoff}")

    def sides(sub: argparse.ArgumentParser) -> None:
        for title, options in _SIDE_OPTIONS.items():
            group = sub.add_argument_group(title)
            for flag, metavar, text in options:
                group.add_argument(flag, metavar=metavar, help=text)

    doctor = commands.add_parser(
        "doctor",
        help="check a link: provider, consumer or both",
        description="Check a PrivateLink link. Read-only unless --fix. Exit 0: nothing failed; 1: a check "
        "failed; 2: usage or credential error.",
    )
    sides(doctor)
    doctor.add_argument(
        "--peer",
        action="append",
        default=[],
        metavar="CIDR|sg-...|pl-...",
        help="a client that must reach the endpoint (repeatable)",
    )
    doctor.add_argument("--json", action="store_true", help='print {"checks": [...]} instead of text')
    doctor.add_argument(
        "--fix",
        action="store_true",
        help="accept the pending request of an allowlisted account and start private DNS verification; "
        "nothing else",
    )
    probe = doctor.add_argument_group("in-VPC probe (a consumer deployed with probe: true)")
    probe.add_argument(
        "--probe", action="store_true", help="invoke the probe: DNS, TCP (and TLS) from the VPC"
    )
    probe.add_argument(
        "--probe-function", metavar="NAME", help="the probe's function (default: ProbeFunction output)"
    )
    probe.add_argument(
        "--probe-name", action="append", default=[], metavar="NAME", help="another name to resolve"
    )
    probe.add_argument("--tls-server-name", metavar="NAME", help="try a TLS handshake with this SNI name")
    probe.add_argument("--tls-port", type=int, metavar="PORT", help="the TLS port (default: the first port)")
    probe.add_argument(
        "--starttls", choices=["none", "postgres"], default="none", help="how TLS starts on the port"
    )
    probe.add_argument("--tls-no-verify", action="store_true", help="do not check the certificate chain")

    handoff = commands.add_parser(
        "handoff",
        help="print what the other side needs (JSON, which is also YAML)",
        description="With a provider: what a consumer needs (service name, region, zones, ports, DNS). "
        "With a "
        "consumer: what the provider needs (principal to allow, endpoint to accept).",
    )
    sides(handoff)
    handoff.add_argument(
        "--alias-name",
        action="append",
        default=[],
        metavar="NAME",
        help="a hostname consumers should alias to their endpoint (repeatable)",
    )
    return parser


def main(  # noqa: PLR0913 - keyword-only seams for tests: clients, resolver, clock, streams
    argv: Sequence[str] | None = None,
    *,
    clients: Callable[[str | None, str | None], Clients] | None = None,
    resolver: Resolver | None = None,
    now: datetime | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run the command; the keyword arguments replace AWS, DNS and the clock in tests."""
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        # Imported here, not at the top: --help and the install hint work without boto3.
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        from . import commands  # noqa: PLC0415
        from .aws import UsageError, default_resolver  # noqa: PLC0415
    except ImportError as error:
        if (error.name or "").split(".")[0] not in ("boto3", "botocore"):
            raise
        err.write(f"privatelink-cdk: {INSTALL_HINT}\n")
        return 2
    command = commands.run_doctor if args.command == "doctor" else commands.run_handoff
    try:
        return command(
            args,
            clients or commands.default_clients,
            out,
            resolver or default_resolver,
            now or datetime.now(UTC),
        )
    except UsageError as error:
        err.write(f"privatelink-cdk: error: {error}\n")
        return 2
    except (BotoCoreError, ClientError) as error:
        err.write(f"privatelink-cdk: AWS error: {error}\n")
        return 2
    except KeyboardInterrupt:
        err.write("privatelink-cdk: interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
