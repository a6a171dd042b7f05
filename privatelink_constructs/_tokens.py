"""``Token.is_unresolved`` without a jsii round trip for the values that cannot hold a token.

The rules check many plain values (ports, account IDs, CIDRs, names) for tokens; each
``Token.is_unresolved`` is a call into aws-cdk-lib's Node.js process, about 0.4 ms. aws-cdk-lib
marks a token in a string with ``${Token[`` and encodes one in a number as a double far outside
the range of exact integers, so a string without the marker, an exact integer, a bool or None
never holds one: those are answered here, everything else by aws-cdk-lib.
"""

from __future__ import annotations

from aws_cdk import Token

__all__ = ["is_unresolved"]

_STRING_TOKEN_MARKER = "${Token["  # noqa: S105 - a marker, not a password
_EXACT_INTEGERS = 2**53
"""Integers a double holds exactly; aws-cdk-lib's number tokens are doubles of about -1.8e289."""


def is_unresolved(value: object) -> bool:
    """Whether ``value`` holds a CDK token: ``Token.is_unresolved``'s answer, in Python where it can be."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, str):
        return _STRING_TOKEN_MARKER in value and Token.is_unresolved(value)
    if type(value) is int and -_EXACT_INTEGERS <= value <= _EXACT_INTEGERS:
        return False
    return Token.is_unresolved(value)
