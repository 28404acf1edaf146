"""Danish is the source language; every message must also exist in English."""

from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_message_has_an_english_translation():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    missing = [
        message.id
        for message in catalogue
        if message.id
        and (
            message.fuzzy
            or not (all(message.string) if isinstance(message.string, tuple) else message.string)
        )
    ]
    assert missing == []


# -- Every message in the code and the templates is in the catalogue ---------------------

ROOT = CATALOGUE.parents[3]
SOURCE_DIRS = ("audit", "casework", "cockpit", "dpo", "jobcenter", "prediction", "templates")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
}


def _messages_in_source():
    """What Django's makemessages would find, without needing GNU gettext: templates go
    through Django's own ``templatize`` and then, like Python files, through Babel's
    Python extractor."""
    import io

    from babel.messages.extract import extract
    from django.utils.translation.template import templatize

    found = {}
    for directory in SOURCE_DIRS:
        for path in sorted((ROOT / directory).rglob("*")):
            if path.suffix not in {".py", ".html", ".txt"} or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if path.suffix != ".py":
                text = templatize(text, origin=str(path))
            for _lineno, message, _comments, _context in extract(
                "python", io.BytesIO(text.encode("utf-8")), keywords=KEYWORDS
            ):
                singular = message[0] if isinstance(message, tuple) else message
                if singular:
                    found.setdefault(singular, f"{path.relative_to(ROOT)}")
    return found


def test_every_message_in_the_code_is_in_the_catalogue():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    known = {
        message.id[0] if isinstance(message.id, tuple) else message.id for message in catalogue
    }
    found = _messages_in_source()
    missing = sorted(
        f"{where}: {message!r}" for message, where in found.items() if message not in known
    )
    assert len(found) > 500  # the extraction itself works
    assert missing == []
