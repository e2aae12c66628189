"""Consultations: de-identified case summaries shared with a consultant, never the record (ADR 0019)."""
