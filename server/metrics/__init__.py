"""Supervision figures (DESIGN.md "Metrics"): the exact definitions as pure functions, which
the API, the pages and the exports all compute through."""
