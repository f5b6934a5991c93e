"""What the JSON API and the pages share, below both: who is calling (the session cookie and
the database behind a request) and the CSRF check for everything a cookie authenticates.

``server.api`` and ``server.web`` import from here and never from each other."""

from server.http import ids as _ids  # noqa: F401  registers the {name:id} path convertor
