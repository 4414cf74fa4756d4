"""PyJWT's download path, read from the installed package: never a copy kept by hand.

``tutorial site`` writes it to ``generated/pyjwt-download-path.md``, and a
test writes it again to check that it still matches the PyJWT that uv.lock pins.
"""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import jwt

from tutorial.site.markdown import fence, indent

# The PyJWKClient methods between "verify this token" and the HTTP request,
# in the order a call goes through them.
DOWNLOAD_PATH = [
    "get_signing_key_from_jwt",
    "get_signing_key",
    "get_signing_keys",
    "get_jwk_set",
    "fetch_data",
]


def pyjwt_markdown() -> str:
    client = jwt.PyJWKClient
    package_dir = Path(inspect.getfile(jwt)).parent
    source_file = Path(inspect.getfile(client)).relative_to(package_dir.parent)
    parts = [
        f"PyJWT **{jwt.__version__}**, the version `uv.lock` pins, read from "
        f"`{source_file.as_posix()}` as installed (`uv run tutorial site`).\n"
    ]
    for name in DOWNLOAD_PATH:
        method = getattr(client, name)
        lines, first = inspect.getsourcelines(method)
        source = textwrap.dedent("".join(lines))
        marks = fence(source)
        title = f"PyJWKClient.{name}, line {first}"
        block = f'{marks}python title="{title}" linenums="{first}"\n{source}{marks}\n'
        parts.append(f'=== "{name}"\n\n' + indent(block))
    return "\n".join(parts)
