"""The client portal: client accounts, consent signing and re-consent, privacy check-ins (ADR 0008)."""
