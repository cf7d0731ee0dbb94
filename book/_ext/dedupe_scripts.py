"""Drop duplicate <script> tags from each page.

With Jupyter Book 1.0.4 and sphinx-thebe 0.3.1 the thebe configuration script
is added twice, and the second copy fails in the browser ("Identifier
'THEBE_JS_URL' has already been declared").
The copies are registered once with filename "" and once with None, which
Sphinx does not recognise as equal. The browser check treats script errors as
failures.
"""

from __future__ import annotations


def _key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    # inline scripts have "" or None
    filename = getattr(script, "filename", script) or None
    return (
        filename,
        tuple(sorted((k, str(v)) for k, v in attributes.items())),
    )


def _dedupe(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
