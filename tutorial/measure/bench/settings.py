"""Settings for a server that ``tutorial bench`` runs.

A step's own settings under a key prefix of the benchmark's own (``demo_settings``:
every run starts from an empty cache, and the keys go when the bench ends), and,
for the strategies that are not steps, the authentication class to use instead of
the step's, ``TUTORIAL_BENCH_AUTHENTICATION``: for the floor,
``tutorial.measure.bench.floor.KeyLoadedAtStartUp``.
"""

import os

from tutorial.measure.demo_settings import *  # noqa: F403  (the step's, under a key prefix)

if authentication := os.environ.get("TUTORIAL_BENCH_AUTHENTICATION"):
    REST_FRAMEWORK = {  # noqa: F405
        **REST_FRAMEWORK,  # noqa: F405
        "DEFAULT_AUTHENTICATION_CLASSES": [authentication],
    }
