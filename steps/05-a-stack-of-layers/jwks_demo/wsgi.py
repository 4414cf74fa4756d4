"""The WSGI entry point: ``gunicorn --chdir steps/NN-slug jwks_demo.wsgi``."""

import os
import sys

from django.core import checks
from django.core.wsgi import get_wsgi_application

# gunicorn's "App failed to load": its master stops, rather than start another
# worker that would fail the same way.
GUNICORN_APP_LOAD_ERROR = 4

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jwks_demo.settings")

application = get_wsgi_application()

# manage.py runs Django's system checks before it serves; gunicorn does not. Run
# them here, so that an unusable setting (JWKS_URL, say) stops the server at
# start-up with the check's one line, rather than failing every request.
errors = [message for message in checks.run_checks() if message.is_serious()]
if errors:
    print(*errors, sep="\n", file=sys.stderr, flush=True)
    sys.exit(GUNICORN_APP_LOAD_ERROR)
