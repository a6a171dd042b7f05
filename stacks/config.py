"""The app's config: frozen pydantic models, read from cdk.json or a JSON/YAML file.

The config lives in cdk.json under the context key ``privatelink``; ``cdk synth -c config=FILE``
replaces it with a JSON or YAML file. Unknown keys and wrong types are refused; every value is
checked by the library's own rules (``privatelink_constructs.rules``); all problems are
reported at once, each with its path in the config, before any construct is built::

    provider.ports[1]: 70000 is not a TCP port (1-65535)
    provider.prots: unknown key; did you mean 'ports'? (allowed: ...)

A value left out means the construct's own default: the models declare no default of their
own for anything a construct decides (``None`` = "the construct's default").

The sections live beside this module: ``config_vpc`` (env, vpc), ``config_provider`` and
``config_consumer``; their field types in ``config_types``, the rendering of problems in
``config_errors``, the strict file reader in ``config_files``. All are importable from here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Self

from pydantic import ValidationError, model_validator

from privatelink_constructs import rules
from privatelink_constructs.rules import Problem

from . import link
from .config_consumer import ConsumerConfig, PeerConfig, PrivateZoneConfig
from .config_errors import ConfigError, describe, problems_of, raise_problems
from .config_files import read_config_file
from .config_provider import (
    DatabaseConfig,
    HealthCheckConfig,
    HostedZoneConfig,
    NotificationsConfig,
    ProviderConfig,
)
from .config_types import Model
from .config_vpc import ConsumerVpcConfig, EnvConfig, VpcConfig

__all__ = [
    "CONTEXT_KEY",
    "AppConfig",
    "ConfigError",
    "ConsumerConfig",
    "ConsumerVpcConfig",
    "DatabaseConfig",
    "EnvConfig",
    "HealthCheckConfig",
    "HostedZoneConfig",
    "NotificationsConfig",
    "PeerConfig",
    "PrivateZoneConfig",
    "ProviderConfig",
    "VpcConfig",
    "load_config",
    "parse_config",
]

CONTEXT_KEY = "privatelink"
"""The cdk.json context key that holds the config."""


class AppConfig(Model):
    """The whole app's config: a provider, consumers, or both."""

    provider: ProviderConfig | None = None
    consumers: tuple[ConsumerConfig, ...] = ()

    @model_validator(mode="after")
    def _app_rules(self) -> Self:
        if self.provider is None and not self.consumers:
            raise_problems(
                [Problem("", "nothing to build; give a provider section, a consumers list, or both")]
            )
        problems = link.problems(self)
        if self.provider is not None:
            problems += [
                replace(problem, argument=f"provider.{problem.argument}")
                for problem in rules.check_auto_accept_allowed(
                    self.provider.auto_accept_principals, link.allowed_principals(self)
                )
            ]
        for index, consumer in enumerate(self.consumers):
            ports = consumer.ports or (self.provider.ports if consumer.linked and self.provider else ())
            problems += [
                replace(problem, argument=f"consumers[{index}].{problem.argument}")
                for problem in consumer.inbound_rule_problems(ports)
            ]
        raise_problems(problems)
        return self


def parse_config(data: object) -> AppConfig:
    """Validate a config mapping (as found in cdk.json or a file) into an ``AppConfig``.

    Linked consumers come back resolved: their stack names and ports filled in (``link.resolve``).
    """
    if not isinstance(data, Mapping):
        raise ConfigError([f"the config must be a mapping (provider, consumers), got {describe(data)}"])
    try:
        config = AppConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(problems_of(error, AppConfig)) from None
    return link.resolve(config)


def load_config(context: Callable[[str], object], *, cdk_json: Path = Path("cdk.json")) -> AppConfig:
    """The app's config: the file named by context ``config``, else context ``privatelink``.

    ``context`` is ``app.node.try_get_context``. The CDK CLI reads ``cdk_json`` (the project's
    cdk.json) keeping the last of two equal keys, so when the config comes from there, the file
    itself is read again, strictly, to refuse a key written twice.
    """
    file_name = context("config")
    if file_name is None:
        if cdk_json.is_file():
            _read(cdk_json, where=str(cdk_json))
        return parse_config(context(CONTEXT_KEY) or {})
    path = Path(str(file_name))
    if not path.is_file():
        raise ConfigError([f"config: file {str(path)!r} does not exist"])
    return parse_config(_read(path, where=f"config: {path} is not valid JSON/YAML"))


def _read(path: Path, *, where: str) -> object:
    try:
        return read_config_file(path)
    except ValueError as error:
        raise ConfigError([f"{where}: {error}"]) from None
