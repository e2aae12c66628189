"""Telehealth: peer-to-peer video sessions, their signalling, the privacy check and the waiting room (ADR 0021)."""
