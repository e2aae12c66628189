"""The vault's app side: stored key pairs, wraps and the practice recovery key.

This is the only app module that calls the pure core in `confide.crypto`; other apps call
the services here.
"""
