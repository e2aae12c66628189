"""The client's rights over their own record: a copy (45 CFR 164.524) and amendments (164.526)."""
