"""Administration: the service menu, departments, buildings, enterprises, people, imports and
the audit trail. Only admins reach it; every change goes through one service per entity and
is recorded in the audit trail (server/audit)."""
