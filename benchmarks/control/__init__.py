"""The plaintext control of the load benchmark: NOT product code.

A bare Django project with one view that reads the same chart shape as Confide's chart (the
client, the care team, the progress-note timeline and the last signed note) from an unencrypted
copy of the benchmark's data, with no sign-in, no keys and no audit log. Served by gunicorn with
the same workers and threads as `confide serve`, it shows what the same machine does without
Confide's protections. Started by benchmarks/bench_load.py.
"""
