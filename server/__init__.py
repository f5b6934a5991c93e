"""Lianxin 连心: order online, serve offline."""
