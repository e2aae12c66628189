"""Clients, episodes, sessions, notes, plans and documents, sealed through `confide.keys`."""
