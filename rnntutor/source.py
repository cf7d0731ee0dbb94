"""Show the package's own source in the book, so text and code cannot drift apart."""

from __future__ import annotations

import inspect
import textwrap


def show_source(obj) -> None:
    """Display the source of a function, class or method as a highlighted code block."""
    from IPython.display import Markdown, display

    code = textwrap.dedent(inspect.getsource(obj))
    display(Markdown(f"```python\n{code}```"))
