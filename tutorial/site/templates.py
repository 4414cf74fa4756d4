"""The pages that runs write, rendered from the Markdown templates beside this module.

A page's prose lives in ``templates/<page>.j2``; the numbers and the sentences that
compare them come from the module that renders it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from tutorial.console import count_of
from tutorial.site.markdown import bullets

TEMPLATES = Path(__file__).with_name("templates")

FILTERS: dict[str, Callable[..., str]] = {
    "bullets": bullets,
    "count_of": count_of,
    "g": lambda value: f"{value:g}",
    "thousands": lambda value: f"{value:,}",
    "add_unit": lambda value, unit: f"{value} {unit}",
}


def render(
    template: str, filters: dict[str, Callable[..., str]], **context: Any
) -> str:
    """``templates/<template>`` with ``context``; the shared filters and ``filters``."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,  # a misspelt name fails, never prints ""
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown, not HTML
    )
    environment.filters.update({**FILTERS, **filters})
    return environment.get_template(template).render(**context)
