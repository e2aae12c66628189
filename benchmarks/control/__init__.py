"""The plaintext control of the load benchmark: NOT product code.

A bare Django project with one view that reads the same chart shape as Confide's chart (the
client with contact details, care team, treatment plan, consent and portal panel, last signed
note, progress-note timeline, sessions, episodes of care, documents with the upload form, inside
the same page layout) from an unencrypted copy of the benchmark's data, one query per part, with
no sign-in, no keys, no middleware and no audit log. Served by gunicorn with the same workers and
threads as `confide serve`, it shows what the same machine does without Confide's protections.
Started by benchmarks/bench_load.py.
"""
