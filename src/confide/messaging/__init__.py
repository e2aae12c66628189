"""Secure messaging between a client and their care team (docs/adr/0018-talking-outside-the-session.md)."""
