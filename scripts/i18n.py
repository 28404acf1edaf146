"""Keep the English catalogue complete without GNU gettext.

    .venv/bin/python scripts/i18n.py missing > /tmp/missing.json
        prints, as JSON, every Danish message in the code and templates that
        locale/en/LC_MESSAGES/django.po lacks (the same extraction as
        tests/jobcenter/test_translations.py), each mapped to "" (or, for a plural,
        {"plural": ..., "msgstr": ["", ""]}) for you to fill in;
    .venv/bin/python scripts/i18n.py append /tmp/missing.json
        appends the filled-in translations to the catalogue and compiles it.
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
def _setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobcenter.settings.test")
    import django

    django.setup()


def _known() -> set[str]:
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    return {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue}


def missing() -> dict:
    _setup_django()
    from babel.messages.extract import extract
    from django.utils.translation.template import templatize

    # The same directories and keywords as the test that fails on a missing message.
    from tests.jobcenter.test_translations import KEYWORDS, SOURCE_DIRS

    known = _known()
    found: dict = {}
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
                if isinstance(message, tuple):
                    singular, plural = message[0], message[1]
                    if singular and singular not in known and plural:
                        found[singular] = {"plural": plural, "msgstr": ["", ""]}
                    elif singular and singular not in known:
                        found[singular] = ""
                elif message and message not in known:
                    found[message] = ""
    return found


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def append(path: str) -> None:
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    known = _known()
    blocks = []
    for danish, english in entries.items():
        if danish in known:
            continue
        if isinstance(english, dict):
            singular, plural = english["msgstr"]
            if not (singular and plural):
                sys.exit(f"no translation for {danish!r}")
            blocks.append(
                f"msgid {_quote(danish)}\nmsgid_plural {_quote(english['plural'])}\n"
                f"msgstr[0] {_quote(singular)}\nmsgstr[1] {_quote(plural)}\n"
            )
        else:
            if not english:
                sys.exit(f"no translation for {danish!r}")
            blocks.append(f"msgid {_quote(danish)}\nmsgstr {_quote(english)}\n")
    with CATALOGUE.open("a", encoding="utf-8") as handle:
        for block in blocks:
            handle.write("\n" + block)
    subprocess.run(  # noqa: S603 - our own tool
        [str(ROOT / ".venv" / "bin" / "pybabel"), "--quiet", "compile", "--domain=django",
         f"--directory={ROOT / 'locale'}"],
        check=True,
    )
    print(f"appended {len(blocks)} messages")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "missing":
        print(json.dumps(missing(), ensure_ascii=False, indent=1))
    elif len(sys.argv) == 3 and sys.argv[1] == "append":
        append(sys.argv[2])
    else:
        sys.exit(__doc__)
