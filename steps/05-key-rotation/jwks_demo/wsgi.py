"""The WSGI entry point: ``gunicorn --chdir steps/NN-slug jwks_demo.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jwks_demo.settings")

application = get_wsgi_application()
