"""How the config reports problems: one ``ConfigError`` listing every problem with its path.

Two kinds of problem reach it. Pydantic's own (a wrong type, an unknown or missing key) are
rephrased here, with a "did you mean" for a misspelt key. The library's rules
(``privatelink_constructs.rules``) return ``Problem`` s naming a construct argument; the config
models raise them through ``raise_problems``, which renders each at its config path and
spells suggested fixes the way the config does (``set dualstack: true``).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from privatelink_constructs.rules import Problem

__all__ = ["ConfigError", "describe", "problems_of", "raise_problems"]

_RULES = "privatelink_rules"


class ConfigError(ValueError):
    """The config has problems; ``problems`` lists each one with its path."""

    def __init__(self, problems: Sequence[str]) -> None:
        """Report every problem at once."""
        self.problems = list(problems)
        listing = "\n".join(f"  - {problem}" for problem in self.problems)
        count = len(self.problems)
        super().__init__(f"invalid privatelink config ({count} problem{'s' * (count != 1)}):\n{listing}")


def raise_problems(
    problems: Iterable[Problem],
    *,
    paths: Mapping[str, str] | None = None,
    fixes: Mapping[str, str] | None = None,
    field: bool = False,
) -> None:
    """Raise the rules' problems from a config model's validator, if there are any.

    ``paths`` maps construct arguments to config keys where they differ; ``fixes`` spells a
    suggested fix (by the argument it sets) in config terms. With ``field``, the validator checks
    one field: the problem's argument is that field, and only its list index is kept.
    """
    rendered = []
    for problem in problems:
        if field:
            where = "" if problem.index is None else f"[{problem.index}]"
        else:
            where = (paths or {}).get(problem.argument, problem.argument) + (
                "" if problem.index is None else f"[{problem.index}]"
            )
        text = problem.message
        if problem.fix is not None:
            fix = (fixes or {}).get(
                problem.fix.argument
            ) or f"{problem.fix.argument}: {json.dumps(problem.fix.value)}"
            text += f"; set {fix}" + (f" {problem.fix.purpose}" if problem.fix.purpose else "")
        rendered.append((where, text))
    if rendered:
        raise PydanticCustomError(_RULES, "{problems}", {"problems": tuple(rendered)})


def problems_of(error: ValidationError, root: type[BaseModel]) -> list[str]:
    """Every problem of a failed validation, as ``path: message`` lines."""
    problems: list[str] = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        if detail["type"] == _RULES:
            for where, text in detail["ctx"]["problems"]:
                problems.append(_line(_join(loc, where), text))
        else:
            problems.append(_line(_join(loc), _message(detail, loc, root)))
    return problems


def _line(path: str, text: str) -> str:
    """``path: text``; a problem of the whole config (no path) is its text alone."""
    return f"{path}: {text}" if path else text


def _join(loc: Sequence[int | str], suffix: str = "") -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    if suffix and not suffix.startswith("["):
        return f"{path}.{suffix}" if path else suffix
    return path + suffix


def _message(detail: ErrorDetails, loc: Sequence[int | str], root: type[BaseModel]) -> str:
    kind, value = detail["type"], detail.get("input")
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(root, loc[:-1]))
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown key{hint} (allowed: {', '.join(allowed)})"
    if kind == "missing":
        return "required, but missing"
    expected = _EXPECTED.get(kind)
    if expected is None:
        return f"{detail['msg']}, got {describe(value)}"
    message = f"expected {expected}, got {describe(value)}"
    if kind == "string_type" and isinstance(value, int) and not isinstance(value, bool):
        message += f"; quote it, like '{getattr(value, 'yaml_source', value)}'"
    return message


_EXPECTED = {
    "int_type": "an integer",
    "string_type": "a string",
    "string_too_short": "a non-empty string",
    "bool_type": "true or false",
    "tuple_type": "a list",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def describe(value: object) -> str:
    """A value as an error message shows it, with what YAML made of an unquoted number."""
    source = getattr(value, "yaml_source", None)
    if isinstance(value, int) and source is not None and source != str(value):
        return f"{source} (unquoted, YAML reads it as the number {value})"
    for kinds, shown in _SHOWN:
        if isinstance(value, kinds):
            return shown(value)
    return "null" if value is None else f"a {type(value).__name__}"


_SHOWN: tuple[tuple[type | tuple[type, ...], Callable[[object], str]], ...] = (
    (bool, lambda value: f"{str(value).lower()} (a boolean)"),
    ((int, float), lambda value: f"{value!r} (a number)"),
    (str, lambda value: f"{value!r} (a string)"),
    (Mapping, lambda _: "a mapping"),
    ((list, tuple), lambda _: "a list"),
)


def _fields_at(root: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The keys the model at ``loc`` accepts (walking nested models, lists and optionals)."""
    model: type[BaseModel] = root
    for part in loc:
        if isinstance(part, int):
            continue
        model = _model_of(model.model_fields[str(part)].annotation) or model
    return list(model.model_fields)


def _model_of(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _model_of(argument)
        if found is not None:
            return found
    return None
