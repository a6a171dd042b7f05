"""Reading a config file strictly: JSON or YAML, duplicate keys refused, numbers remembered.

``yaml.safe_load`` and ``json.loads`` both keep the last of two equal keys, so
``acceptance_required: true`` followed by ``acceptance_required: false`` would silently mean
false. Here a duplicate key is an error naming the key and its line. YAML 1.1 also reads an
unquoted ``011122223333`` as an octal number; the integer keeps the text it was read from, so
the error about an account ID that is not a string can show what the user wrote.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

__all__ = ["DuplicateKeyError", "read_config_file"]


class DuplicateKeyError(ValueError):
    """A mapping in the file names the same key twice."""


class SourceInt(int):
    """An integer read from YAML that remembers the text it was written as."""

    yaml_source: str


_MERGE = "tag:yaml.org,2002:merge"


@functools.cache
def _strict_loader() -> type[yaml.SafeLoader]:
    """SafeLoader that refuses duplicate keys and remembers how integers were written.

    Made on first use: PyYAML is imported only when a YAML file is read (not for ``cdk.json``).
    """
    import yaml  # noqa: PLC0415 - PyYAML only for a YAML file

    class StrictLoader(yaml.SafeLoader):
        pass

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    StrictLoader.add_constructor("tag:yaml.org,2002:int", _integer)
    return StrictLoader


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    """A mapping whose keys are each written once; keys merged in (``<<: *base``) may be overridden."""
    written: set[Any] = set()
    for key_node, _ in node.value:
        key = "<<" if key_node.tag == _MERGE else loader.construct_object(key_node, deep=True)
        if key in written:
            line = key_node.start_mark.line + 1
            raise DuplicateKeyError(f"line {line}: key {key!r} appears twice in one mapping")
        written.add(key)
    loader.flatten_mapping(node)
    # Merged keys come first, then the written ones, so the written value wins, as YAML says.
    return {
        loader.construct_object(key_node, deep=True): loader.construct_object(value_node, deep=True)
        for key_node, value_node in node.value
    }


def _integer(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    value = SourceInt(loader.construct_yaml_int(node))
    value.yaml_source = str(node.value)
    return value


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKeyError(f"key {key!r} appears twice in one object")
        result[key] = value
    return result


def read_config_file(path: Path) -> object:
    """Read a JSON (``.json``) or YAML (anything else) config file; raises ``ValueError``."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text, object_pairs_hook=_json_object)
    import yaml  # noqa: PLC0415 - PyYAML only for a YAML file

    try:
        return yaml.load(text, Loader=_strict_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from error
