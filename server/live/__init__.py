"""Live pages: "something changed for request X / department D", from the commit to the open
pages that show it (server-sent events; docs/ARCHITECTURE.md "Live pages").

- ``signals.py``: what a unit of work changed, collected at flush, as a :class:`Signal`;
- ``bus.py``: the fan-out — in-process, and across processes through PostgreSQL's
  LISTEN/NOTIFY — wired to the database's one after-commit hook by :func:`bus.install`;
- ``access.py``: what each kind of live page follows, and whether its viewer may still see it;
- ``pages.py``: the stream itself, ``GET /live?topic=…`` (the door).
"""
