"""Staff and client accounts: the user model, password policy, session and MFA rules."""
