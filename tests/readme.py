"""The README's code snippets, read from README.md so that the tests run what readers copy."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def snippet(name: str) -> str:
    """The fenced block right after ``<!-- snippet: NAME ... -->``."""
    text = README.read_text()
    found = re.search(
        rf"<!-- snippet: {re.escape(name)}\b[^>]*-->\s*```[a-z]*\n(.*?)```", text, re.DOTALL
    )
    assert found, f"README.md has no snippet {name!r}"
    return found.group(1)
