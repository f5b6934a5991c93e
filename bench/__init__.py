"""Lianxin benchmark (see bench/run.py)."""
