"""A Babel extractor for our Python code (configured in babel.cfg).

Babel's own Python extractor only sees gettext-style calls. Our English msgids also travel as
the first argument of the error types and ``Msg``, as values of their ``errors`` dicts, as
``errors[field] = "..."`` assignments, and as ``ValueError`` messages in modules that turn
them into ``Msg`` (the answer validation). This walks the syntax tree and yields all of those.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

# Call name → position (0-based) of its msgid argument.
MSGID_ARGUMENT = {
    "_": 0, "gettext": 0, "N_": 0, "Msg": 0,
    "LianxinError": 0, "InvalidInput": 0, "NotAuthenticated": 0, "TooManyAttempts": 0, "Forbidden": 0,
    "NotFound": 0, "Conflict": 0, "StorageUnavailable": 0,
    "_conflict": 2,
}
# Calls whose dict arguments map fields to messages.
ERROR_DICT_CALLS = {"InvalidInput", "LianxinError"}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _dict_strings(node: ast.expr) -> Iterator[ast.Constant]:
    if isinstance(node, ast.Dict):
        for value in node.values:
            if _string(value) is not None:
                yield value


def messages(tree: ast.AST) -> Iterator[tuple[int, str, str]]:
    """(line, keyword, msgid) for each message in ``tree``."""
    uses_msg = any(
        isinstance(node, ast.ImportFrom) and node.module == "server.errors" and any(a.name == "Msg" for a in node.names)
        for node in ast.walk(tree)
    )
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            position = MSGID_ARGUMENT.get(name)
            if position is not None and len(node.args) > position and _string(node.args[position]) is not None:
                yield node.lineno, name, node.args[position].value
            if name in ERROR_DICT_CALLS:
                for arg in [*node.args[1:], *(k.value for k in node.keywords if k.arg == "errors")]:
                    for const in _dict_strings(arg):
                        yield const.lineno, name, const.value
            if name == "ValueError" and uses_msg and node.args and _string(node.args[0]) is not None:
                yield node.lineno, name, node.args[0].value
        elif isinstance(node, ast.Assign) and _string(node.value) is not None:
            for target in node.targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id == "errors":
                    yield node.lineno, "errors", node.value.value


def extract_python(fileobj, keywords, comment_tags, options):
    """Babel's extractor interface: yields (lineno, funcname, message, comments). The funcname
    is None: Babel would otherwise look our call names up among its gettext keywords."""
    tree = ast.parse(fileobj.read())
    for lineno, _name, msgid in sorted(set(messages(tree))):
        yield lineno, None, msgid, []
