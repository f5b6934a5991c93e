"""Notifications [8/12]: the outbox (``service.emit``), who gets what (``recipients``), the
worker that delivers (``worker``) through its channels, and the in-app pages."""
