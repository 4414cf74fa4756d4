"""``tutorial site``: write the site's generated pieces (``generated/``).

The step diffs and PyJWT's download path are made from the code; pages include
them like any snippet, so both MkDocs and Zensical build the same site. Run it
after changing a step or upgrading PyJWT; ``--check`` only says what is stale.
"""

from __future__ import annotations

import argparse
import sys

from tutorial.course.steps import REPOSITORY
from tutorial.site.generated import stale_pieces, write_pieces


def add_site_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--check",
        action="store_true",
        help="write nothing: exit 1 and name the pieces that are stale",
    )


def run_site_command(args: argparse.Namespace) -> int:
    if args.check:
        stale = stale_pieces(REPOSITORY)
        for relative in stale:
            print(f"stale: {relative}", file=sys.stderr)
        if stale:
            print("Run `uv run tutorial site` to write them.", file=sys.stderr)
        return 1 if stale else 0
    changed = write_pieces(REPOSITORY)
    for relative in changed:
        print(f"wrote {relative}")
    print(f"{len(changed)} generated piece(s) changed." if changed else "Up to date.")
    return 0
