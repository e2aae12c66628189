"""Settings of the plaintext control (benchmarks only). The database comes from CONTROL_DATABASE."""

from __future__ import annotations

import os

import dj_database_url

_target = os.environ["CONTROL_DATABASE"]
SECRET_KEY = "control-benchmark-only"  # noqa: S105  (serves fictional data on the loopback interface)
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["benchmarks.control"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "benchmarks.control.urls"
WSGI_APPLICATION = "benchmarks.control.wsgi.application"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
if _target.startswith("postgres"):
    DATABASES = {"default": dj_database_url.parse(_target, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _target,
                             "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
