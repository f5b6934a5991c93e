"""The ``{name:id}`` path convertor: a database id in a URL is 1 to 9 ASCII digits.

``/admin/people/{person_id:id}`` typed as a plain ``int`` lets FastAPI read
``/admin/people/999…9`` (30 digits) as a Python int that overflows the database's integers
(a 500). Routes write ``{person_id:id}`` instead: anything that is not 1–9 digits does not match
the route at all, so a crafted id is the same 404 as a missing one, on every page and API route.
Ids stay far below 10⁹ (as ``server.web.formdata.whole_number`` assumes for posted ids).

Registered when ``server.http`` is imported, which every module defining routes does (through
``server.web.deps`` or ``server.api.deps``) before its decorators run."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class IdConvertor(Convertor[int]):
    regex = "[1-9][0-9]{0,8}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("id", IdConvertor())
