"""Every string a listener sees at the workstation, one table per language (no Qt).

A plain JSON table rather than Qt's translation files: the researcher edits it per experiment
in any text editor (a consent text is the lab's own, not a translation), the online study reads
the same keys, and the exact strings a session ran with are stored with it by checksum
(`Experiment.save_texts`, a session's settings name `texts_sha256`).

The shipped tables live in assets/texts/<language>.json. An experiment's own copy,
`<experiment folder>/listener-texts-<language>.json` (`write_for_editing` makes one), replaces
the shipped table for that experiment. Either is checked when read: every key of the English
table is present, no unknown key, and each string has the same {placeholders} as English.
"""

from __future__ import annotations

import html
import json
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hd_desktop.errors import UserFacingError
from hd_desktop.paths import ASSETS_DIR
from hd_desktop.store.listener_records import texts_checksum

SCHEMA = 1
TEXTS_DIR = ASSETS_DIR / "texts"
REFERENCE = "en"        # the table every other language is checked against


def shipped_languages() -> list[str]:
    return sorted(p.stem for p in TEXTS_DIR.glob("*.json"))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class ListenerTexts:
    """One language's strings; `get(key, **values)` fills the key's {placeholders}."""

    language: str
    strings: dict[str, str]
    source: str                   # the file they came from, for messages

    @property
    def sha256(self) -> str:
        return texts_checksum(self.language, self.strings)[0]

    def get(self, key: str, **values) -> str:
        """The text with its placeholders filled; values are escaped, since texts are rich text
        and a listener id or a file name is data, never markup."""
        if not values:
            return self.strings[key]
        return self.strings[key].format(**{k: html.escape(str(v)) for k, v in values.items()})

    __call__ = get


def check(language: str, strings: dict, where: str) -> dict[str, str]:
    """`strings` if they are a complete table with the reference's placeholders, else an error
    that names the file and the keys to fix."""
    reference = _read(TEXTS_DIR / f"{REFERENCE}.json")[1]
    if not isinstance(strings, dict) or not all(isinstance(v, str) for v in strings.values()):
        raise UserFacingError(f"{where}: \"strings\" must map each key to a text")
    missing = sorted(set(reference) - set(strings))
    unknown = sorted(set(strings) - set(reference))
    wrong = sorted(k for k in reference.keys() & strings.keys()
                   if placeholders(strings[k]) != placeholders(reference[k]))
    problems = []
    if missing:
        problems.append("missing keys " + ", ".join(missing))
    if unknown:
        problems.append("unknown keys " + ", ".join(unknown))
    for k in wrong:
        names = ", ".join("{" + p + "}" for p in sorted(placeholders(reference[k])))
        problems.append(f"{k} must use exactly {names or 'no placeholders'}")
    if problems:
        raise UserFacingError(f"{where} (listener texts, {language}): " + "; ".join(problems)
                              + f". Compare with {TEXTS_DIR / (REFERENCE + '.json')}.")
    return dict(strings)


def _read(path: Path) -> tuple[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserFacingError(f"{path}: no such listener texts file; languages shipped: "
                              f"{', '.join(shipped_languages())}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserFacingError(f"{path}: cannot be read as listener texts ({exc}); fix the file "
                              "or delete it to use the shipped texts") from None
    schema = data.get("schema") if isinstance(data, dict) else None
    if schema != SCHEMA:
        raise UserFacingError(f"{path}: listener texts schema {schema!r} is not {SCHEMA}; this "
                              "version of hd-desktop cannot read it")
    return str(data.get("language", path.stem)), data.get("strings")


@lru_cache(maxsize=None)
def _shipped(language: str) -> ListenerTexts:
    path = TEXTS_DIR / f"{language}.json"
    lang, strings = _read(path)
    return ListenerTexts(lang, check(lang, strings, str(path)) if language != REFERENCE
                         else dict(strings), str(path))


def shipped(language: str = REFERENCE) -> ListenerTexts:
    """The table shipped for `language` (a copy: callers may not change the cached one)."""
    t = _shipped(language)
    return ListenerTexts(t.language, dict(t.strings), t.source)


def experiment_file(folder: Path, language: str) -> Path:
    return Path(folder) / f"listener-texts-{language}.json"


def for_experiment(folder: Path, language: str) -> ListenerTexts:
    """The experiment's own texts for `language` if it has a file for them, else the shipped."""
    path = experiment_file(folder, language)
    if not path.exists():
        return shipped(language)
    lang, strings = _read(path)
    if lang != language:
        raise UserFacingError(f"{path}: says language {lang!r}, the experiment is set to "
                              f"{language!r}; fix the file's \"language\" or the setting")
    return ListenerTexts(lang, check(lang, strings, str(path)), str(path))


def write_for_editing(folder: Path, language: str) -> Path:
    """The experiment's own copy of `language`'s texts, made from the shipped table if it has
    none yet; edit it in any text editor, it is read when the next session starts."""
    path = experiment_file(folder, language)
    if not path.exists():
        t = shipped(language)
        path.write_text(json.dumps({"schema": SCHEMA, "language": t.language,
                                    "strings": t.strings}, ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")
    return path


def from_store(language: str, strings: dict[str, str]) -> ListenerTexts:
    """Texts a session ran with, read back from the store (shown again on resume)."""
    return ListenerTexts(language, dict(strings), "the experiment's store")
