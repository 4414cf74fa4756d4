"""Every step runs under gunicorn, as DESIGN.md promises.

``gunicorn --chdir steps/NN-slug jwks_demo.wsgi``, with Redis and the identity
provider beside it, started the one way everything here starts them: tutorial.stack.
"""

import pytest

from tutorial.course.steps import Step, discover_steps
from tutorial.kit.net import get_me_over_http
from tutorial.kit.stack import run_stack


@pytest.mark.parametrize("step", discover_steps(), ids=lambda step: step.name)
def test_step_serves_under_gunicorn(step: Step, private_redis: str):
    with run_stack(step.path, redis_url=private_redis) as stack:
        port = stack.server.port
        assert get_me_over_http(port, stack.idp.mint_token()) == 200
        assert get_me_over_http(port, "not-a-token") == 401
