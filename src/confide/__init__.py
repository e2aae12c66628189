"""Confide: a clinical record system for psychotherapists and their clients."""

__version__ = "0.1.0"
