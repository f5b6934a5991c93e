"""Notifications: the outbox and its worker, in-app messages, e-mail and webhooks."""
