"""Test-only: FastAPI's analysis of each route's signature, done once per process.

Most tests build their own app (``create_app`` on their own database), and each build made
FastAPI analyse the same ~570 endpoints again: their signatures, dependencies and parameter
models — about 0.14 s of CPU per app, most of a small page test's own work. The analysis
depends only on the endpoint, its path and its route dependencies, so its result is shared by
every app of the process, as the one app of a server has it.

An endpoint whose closure holds anything but plain values (a database, say) is analysed as
before and never kept, and the cache is bounded, so endpoints made anew for each app (the API
docs' two) cannot pile up. If FastAPI renames the private function, nothing is patched and
the suite is only slower (``install`` returns False)."""

from __future__ import annotations

import threading
import types
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

_MAX_ENTRIES = 2000  # ~570 endpoints in use; room for growth, not for a leak
_PLAIN = (str, bytes, int, float, bool, type(None), type, types.ModuleType)
_cache: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()


def _cacheable(call: Any, depth: int = 0) -> bool:
    """A function whose result can be shared: its closure holds only plain values and other
    such functions."""
    if call is None or isinstance(call, _PLAIN):
        return True
    if isinstance(call, tuple | frozenset):
        return all(_cacheable(item, depth) for item in call)
    if depth > 3 or not isinstance(call, types.FunctionType | types.BuiltinFunctionType | type):
        return False
    cells = getattr(call, "__closure__", None) or ()
    try:
        return all(_cacheable(cell.cell_contents, depth + 1) for cell in cells)
    except ValueError:  # an empty cell
        return False


def install() -> bool:
    """Wrap fastapi.routing's dependant builder with the cache; False if it is not there."""
    from fastapi import routing

    build = getattr(routing, "_build_dependant_with_parameterless_dependencies", None)
    if build is None or getattr(build, "lianxin_cached", False):
        return build is not None

    def cached(*, path: str, call: Callable[..., Any], dependencies: Sequence[Any]):
        key = (path, call, tuple(dependencies))
        try:
            hash(key)
        except TypeError:  # a dependency that cannot be a key: analysed as before
            return build(path=path, call=call, dependencies=dependencies)
        if not (_cacheable(call) and all(_cacheable(getattr(d, "dependency", None)) for d in dependencies)):
            return build(path=path, call=call, dependencies=dependencies)
        with _lock:
            found = _cache.get(key)
            if found is not None:
                _cache.move_to_end(key)
                return found
        found = build(path=path, call=call, dependencies=dependencies)
        with _lock:
            _cache[key] = found
            if len(_cache) > _MAX_ENTRIES:
                _cache.popitem(last=False)
        return found

    cached.lianxin_cached = True
    routing._build_dependant_with_parameterless_dependencies = cached
    return True
