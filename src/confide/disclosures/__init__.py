"""Disclosures: authorizations (releases of information), packets, release links, legally required
and emergency disclosures, court requests and the accounting of disclosures (promise 6)."""
