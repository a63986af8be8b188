"""Where the node's own files are: templates, static files, translations and migrations.

The same lookups serve a source checkout (editable install) and an installed wheel. The repository keeps
the templates in a top-level `templates/` folder; the wheel carries them inside the package as
`node/templates` (pyproject.toml maps the `node.templates` package to that folder).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
LOCALE_DIR = PACKAGE_DIR / "locale"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
_INSTALLED_TEMPLATES = PACKAGE_DIR / "templates"
TEMPLATE_DIR = _INSTALLED_TEMPLATES if _INSTALLED_TEMPLATES.is_dir() else PACKAGE_DIR.parent / "templates"
