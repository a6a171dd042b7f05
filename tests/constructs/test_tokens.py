"""``is_unresolved`` answers as aws-cdk-lib's ``Token.is_unresolved`` does, without jsii where it can."""

from __future__ import annotations

import jsii
import pytest
from aws_cdk import (
    Aws,
    Fn,
    IStableAnyProducer,
    IStableListProducer,
    IStableNumberProducer,
    IStableStringProducer,
    Lazy,
    Token,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from privatelink_constructs import _tokens
from privatelink_constructs._tokens import is_unresolved


@jsii.implements(IStableStringProducer)
class _Text:
    def produce(self) -> str | None:
        return "text"


@jsii.implements(IStableNumberProducer)
class _Number:
    def produce(self) -> float | None:
        return 1


@jsii.implements(IStableListProducer)
class _Texts:
    def produce(self) -> list[str] | None:
        return ["text"]


@jsii.implements(IStableAnyProducer)
class _Anything:
    def produce(self) -> object:
        return "anything"


PLAIN = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False)
)


@settings(max_examples=200)
@given(PLAIN)
def test_plain_values_answer_as_aws_cdk_lib_does(value: object) -> None:
    assert is_unresolved(value) is Token.is_unresolved(value)


@pytest.mark.parametrize(
    "token",
    [
        Aws.REGION,
        f"arn:aws:iam::{Aws.ACCOUNT_ID}:root",
        Lazy.string(_Text()),
        Lazy.number(_Number()),
        Fn.select(0, Fn.get_azs()),
        Lazy.list(_Texts()),
        Lazy.any(_Anything()),
    ],
    ids=["pseudo", "embedded", "lazy-string", "lazy-number", "select", "list", "resolvable"],
)
def test_every_kind_of_token_is_unresolved(token: object) -> None:
    assert Token.is_unresolved(token)
    assert is_unresolved(token)


def test_plain_strings_and_integers_cost_no_jsii_call(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoJsii:
        @staticmethod
        def is_unresolved(value: object) -> bool:
            raise AssertionError(f"jsii asked about {value!r}")

    monkeypatch.setattr(_tokens, "Token", NoJsii)
    for value in ("111122223333", "10.0.0.0/16", "", 5432, 0, -(2**53), True, None):
        assert not is_unresolved(value)
