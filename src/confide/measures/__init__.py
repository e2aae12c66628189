"""Measurement-based care and intake: PHQ-9, GAD-7, practice intake packets (issue 15, ADR 0020)."""
