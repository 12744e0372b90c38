"""The message catalog: every word a resident or official reads, per language.

Indonesian (``id``) is the first language and the fallback; English (``en``) the second.
"""

from i18n.catalog import LANGUAGES, Catalog, Texts, catalog

__all__ = ["LANGUAGES", "Catalog", "Texts", "catalog"]
