"""Oversight: break-glass emergency access and anomaly alerts for the practice owner (docs/adr/0006)."""
