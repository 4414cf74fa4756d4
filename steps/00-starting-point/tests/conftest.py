# The fixtures these tests use (idp, mint_token, get_me, ...) live in
# tutorial/kit/pytest_plugin.py, shared by every step of the tutorial.
pytest_plugins = ["tutorial.kit.pytest_plugin"]
