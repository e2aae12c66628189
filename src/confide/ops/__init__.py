"""Operations: liveness, readiness and Prometheus metrics for a node (ADR 0022)."""
