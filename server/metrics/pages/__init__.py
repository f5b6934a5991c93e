"""The supervision pages 督办看板 (issue 8): the dashboard, a department's staff, the month's red
and black list, the department table's export and the public board 晒单. Doors only: every
figure comes from ``server.metrics.service``, the filters from ``server.metrics.filters``."""
