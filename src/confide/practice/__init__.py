"""Practices, staff, roles, the MFA policy and invitations."""
