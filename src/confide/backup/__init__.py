"""Encrypted backups that never hold a key: snapshot, archive, verify, restore (docs/adr/0016)."""
