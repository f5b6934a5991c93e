"""Rooms 阵地 and their bookings 场地预约: the rules, queries, writes and doors."""
