"""Lazy package exports (PEP 562): importing a package does not import aws-cdk-lib.

The Lambda runtimes, their tests and the command line import modules of this package that
need no CDK at all; loading aws-cdk-lib (and starting its jsii runtime) costs a second or more.
A package lists its public names with the module that defines each, and the first access to a
name imports that module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, where ``exports`` maps name to module."""

    def __getattr__(name: str) -> object:  # noqa: N807 - the PEP 562 hook's own name
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(importlib.import_module(package), name, value)
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted({*vars(importlib.import_module(package)), *exports})

    return __getattr__, __dir__
