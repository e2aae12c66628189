"""WSGI entry point of the plaintext control (benchmarks only)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.control.settings")
application = get_wsgi_application()
