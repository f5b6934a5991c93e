"""The HTML pages: server-rendered, htmx for the live parts. Views parse input, call one
service and render; no SQL here. ``server.web.site`` mounts them (see its docstring)."""
