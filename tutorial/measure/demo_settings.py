"""Settings for a step that ``tutorial demo`` runs: the step's own, and a key prefix.

The demo may run against your development Redis (``REDIS_URL``). Under a key prefix
of the demo's own, the JWKS it caches can never be mistaken for the one your own
runs of the step cache, and the demo deletes its keys when it stops.
"""

import os

from jwks_demo.settings import *  # noqa: F403  (the step's settings, unchanged)

key_prefix = os.environ["TUTORIAL_DEMO_KEY_PREFIX"]

if "CACHES" in globals():  # from step 01 on
    CACHES = {  # noqa: F405
        name: {**cache, "KEY_PREFIX": key_prefix}
        for name, cache in CACHES.items()  # noqa: F405
    }
# The cache's own Redis client, from the step that drops pickle on: its keys too.
# (Unused before that step, and by the strategies that are not steps.)
JWKS_REDIS_KEY_PREFIX = key_prefix
