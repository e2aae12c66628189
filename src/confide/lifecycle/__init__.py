"""Confidentiality after therapy ends: discharge, retention, legal hold, verified destruction (ADR 0016)."""
