"""Reading a parsed result document field by field: each malformed value is one ResultError.

A `Node` is a value of the document with the path that leads to it ("workloads/0/windows/2");
its readers check the type and range of what is asked for and fail with that path, so the
message says where. `freeze` / `thaw` turn the open-ended parts of a document (workload
parameters, economics, environment) into read-only mappings and back into plain JSON data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NoReturn

from bench.errors import ResultError

EMPTY: Mapping[str, Any] = MappingProxyType({})
_FLOAT_MAX = 1.7976931348623157e308


def freeze(value: Any) -> Any:
    """A read-only deep copy of JSON data: objects become mappings, arrays tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Plain JSON data (dicts and lists) from what `freeze` made."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


def non_finite_path(value: Any, path: str = "") -> str | None:
    """The path of the first NaN, infinite or beyond-float number in JSON data, else None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else path or "(top level)"
    if isinstance(value, int) and not isinstance(value, bool):
        return None if abs(value) <= _FLOAT_MAX else path or "(top level)"
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = non_finite_path(item, f"{path}/{key}" if path else str(key))
        if found:
            return found
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Node:
    """One value of a parsed document and the path to it, with checked readers."""

    value: Any
    path: str = ""

    def fail(self, message: str) -> NoReturn:
        raise ResultError(f"at {self.path or '(top level)'}: {message}")

    def _child(self, key: str | int) -> str:
        return f"{self.path}/{key}" if self.path else str(key)

    def obj(self) -> Mapping[str, Any]:
        if not isinstance(self.value, Mapping):
            self.fail(f"expected an object, got {type(self.value).__name__}")
        return self.value

    def has(self, key: str) -> bool:
        return key in self.obj()

    def at(self, key: str) -> Node:
        """The required member `key` of this object."""
        if key not in self.obj():
            self.fail(f"missing key {key!r}")
        return Node(self.value[key], self._child(key))

    def get(self, key: str) -> Node:
        """The member `key` of this object; a Node of None when absent."""
        return Node(self.obj().get(key), self._child(key))

    def items(self) -> list[Node]:
        """The elements of this array."""
        if not isinstance(self.value, (list, tuple)):
            self.fail(f"expected an array, got {type(self.value).__name__}")
        return [Node(v, self._child(i)) for i, v in enumerate(self.value)]

    def number(self, minimum: float | None = None, optional: bool = False) -> float | None:
        """A finite number (>= minimum when given); None when optional and null or absent."""
        value = self.value
        if value is None and optional:
            return None
        if not _is_number(value):
            self.fail(f"expected a number, got {_shown(value)}")
        if isinstance(value, int) and abs(value) > _FLOAT_MAX:
            self.fail("an integer beyond the range of a float")
        if not math.isfinite(value):
            self.fail(f"{value} is not a finite number")
        if minimum is not None and value < minimum:
            self.fail(f"{value:g} is below the minimum {minimum:g}")
        return value

    def integer(self, minimum: int = 0) -> int:
        if not isinstance(self.value, int) or isinstance(self.value, bool):
            self.fail(f"expected an integer, got {_shown(self.value)}")
        if self.value < minimum:
            self.fail(f"{self.value} is below the minimum {minimum}")
        return self.value

    def text(self, optional: bool = False, nonempty: bool = False) -> str:
        if self.value is None and optional:
            return ""
        if not isinstance(self.value, str):
            self.fail(f"expected a string, got {_shown(self.value)}")
        if nonempty and not self.value:
            self.fail("expected a non-empty string")
        return self.value

    def flag(self, optional: bool = False) -> bool | None:
        if self.value is None and optional:
            return None
        if not isinstance(self.value, bool):
            self.fail(f"expected true or false, got {_shown(self.value)}")
        return self.value

    def texts(self, optional: bool = False) -> tuple[str, ...]:
        if self.value is None and optional:
            return ()
        return tuple(n.text() for n in self.items())

    def numbers(self) -> tuple[float, ...]:
        return tuple(n.number() for n in self.items())

    def unmeasured(self) -> str | None:
        """The reason of an {"unmeasured": reason} object, else None."""
        if isinstance(self.value, Mapping) and "unmeasured" in self.value:
            return self.at("unmeasured").text(nonempty=True)
        return None


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"
