"""An organisation's directory: who an address is, as the operator who keeps the file says.

A directory is a CSV or YAML file, chosen by its suffix (``.csv``; ``.yaml`` or ``.yml``), with one row per
person: ``address`` and ``name`` (required), ``team``, ``avatar`` and ``profile`` (optional; the last two are
http(s) URLs). A CSV file has those names as its header line; a YAML file is a list of mappings with those
keys. For example::

    address,name,team,avatar,profile
    0x70997970C51812dc3A010C7d01b50e0d17dc79C8,Fiona Reyes,People,,https://example.org/fiona

Loading is all or nothing: every malformed row is reported with its line (a bad address, a missing or
too long name, a control character, an unknown column, a URL that is not http(s), an address listed
twice), and a file with any of them is refused whole, never half-loaded. Names are text from outside: they
are length-limited here and escaped by whatever shows them.

:class:`WatchedDirectory` reloads the file when it changes (its size or modification time); a change that
does not load keeps the last good directory and says why, so a typo in the file never blanks everyone's
names. ``ANTE_DIRECTORY`` is the environment variable that names the file.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

from eth_utils import is_address, to_checksum_address

from ante.errors import BadInput

#: The environment variable naming the directory file.
ENV = "ANTE_DIRECTORY"

#: The columns a row may have; the first two are required.
COLUMNS = ("address", "name", "team", "avatar", "profile")
REQUIRED = ("address", "name")

#: The longest name and team, in characters.
MAX_NAME = 64
#: The longest avatar or profile URL, in characters.
MAX_URL = 512


class DirectoryError(BadInput):
    """A directory file that cannot be loaded; `problems` lists each as (line, sentence), in line order."""

    def __init__(self, source: str, problems: list[tuple[int, str]]):
        self.source = source
        self.problems = sorted(problems)
        lines = "; ".join(f"line {line}: {text}" for line, text in self.problems)
        super().__init__(f"The directory {source} was not loaded ({len(self.problems)} "
                         f"problem{'' if len(self.problems) == 1 else 's'}): {lines}")


@dataclass(frozen=True)
class Person:
    """One row of the directory: a confirmed name for an address."""

    address: str
    name: str
    team: str = ""
    avatar: str = ""
    profile: str = ""
    line: int = 0

    def to_json(self) -> dict:
        return {"address": self.address, "name": self.name, "team": self.team or None,
                "avatar": self.avatar or None, "profile": self.profile or None}


class Directory:
    """The people of one loaded directory, by address (any case)."""

    def __init__(self, people: list[Person], source: str = ""):
        self.source = source
        self._by_address = {p.address.lower(): p for p in people}

    def __len__(self) -> int:
        return len(self._by_address)

    def __iter__(self):
        return iter(sorted(self._by_address.values(), key=lambda p: p.line))

    def get(self, address: str | None) -> Person | None:
        """The directory's entry for `address`, or None (also for None or a malformed address)."""
        if not address:
            return None
        return self._by_address.get(str(address).lower())


def _text(value, column: str, line: int, problems: list, limit: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            problems.append((line, f"the {column} is missing"))
        return ""
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029" for ch in text):
        problems.append((line, f"the {column} holds a control character"))
    if len(text) > limit:
        problems.append((line, f"the {column} is {len(text)} characters long, more than {limit}"))
    return text


def _url(value, column: str, line: int, problems: list) -> str:
    text = _text(value, column, line, problems, MAX_URL)
    if text and not text.lower().startswith(("https://", "http://")):
        problems.append((line, f"the {column} {text[:40]!r} is not an http(s) URL"))
    return text


def _person(row: dict, line: int, problems: list) -> Person | None:
    before = len(problems)
    unknown = sorted(str(k) for k in row if k not in COLUMNS)
    if unknown:
        problems.append((line, f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
                               f"(the columns are {', '.join(COLUMNS)})"))
    raw = "" if row.get("address") is None else str(row.get("address")).strip()
    if not raw:
        problems.append((line, "the address is missing"))
    elif not is_address(raw) or not raw.startswith("0x"):
        problems.append((line, f"{raw[:48]!r} is not an address (0x and 40 hex digits)"))
    elif raw[2:] not in (raw[2:].lower(), raw[2:].upper()) and raw != to_checksum_address(raw):
        problems.append((line, f"{raw} has a wrong checksum (mixed case that is not EIP-55)"))
    name = _text(row.get("name"), "name", line, problems, MAX_NAME, required=True)
    team = _text(row.get("team"), "team", line, problems, MAX_NAME)
    avatar = _url(row.get("avatar"), "avatar", line, problems)
    profile = _url(row.get("profile"), "profile", line, problems)
    if len(problems) > before:
        return None
    return Person(to_checksum_address(raw), name, team, avatar, profile, line)


def _csv_rows(text: str) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text), restkey="(extra values)")
    if reader.fieldnames is None:
        return []
    missing = [c for c in REQUIRED if c not in reader.fieldnames]
    if missing:
        raise DirectoryError("", [(1, f"the header line lacks {', '.join(missing)} (it must name the columns "
                                       f"{', '.join(COLUMNS)})")])
    rows = []
    for row in reader:
        if not any((v or "").strip() for k, v in row.items() if k in COLUMNS):
            continue  # a blank line
        rows.append((reader.line_num, {k: v for k, v in row.items() if v not in (None, "")}))
    return rows


def _yaml_rows(text: str) -> list[tuple[int, dict]]:
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise DirectoryError("", [((mark.line + 1) if mark else 1, f"not YAML: {getattr(error, 'problem', error)}")])
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise DirectoryError("", [(root.start_mark.line + 1, "the file must be a list of people (address, name, ...)")])
    rows = []
    for node in root.value:
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            rows.append((line, {"(not a mapping)": True}))
            continue
        row = {}
        for key, value in node.value:
            row[str(key.value)] = None if isinstance(value, (yaml.SequenceNode, yaml.MappingNode)) else value.value
        rows.append((line, row))
    return rows


def parse(text: str, kind: str, source: str = "") -> Directory:
    """The directory in `text`, a ``csv`` or ``yaml`` file's content; DirectoryError if any row is malformed."""
    try:
        rows = _csv_rows(text) if kind == "csv" else _yaml_rows(text)
    except DirectoryError as error:
        raise DirectoryError(source, error.problems) from None
    problems: list[tuple[int, str]] = []
    people: list[Person] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        person = _person(row, line, problems)
        if person is None:
            continue
        first = seen.get(person.address.lower())
        if first is not None:
            problems.append((line, f"{person.address} is listed again (first on line {first})"))
            continue
        seen[person.address.lower()] = line
        people.append(person)
    if problems:
        raise DirectoryError(source, problems)
    return Directory(people, source)


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    raise DirectoryError(path.name, [(0, f"the file must end in .csv, .yaml or .yml, not {suffix or 'nothing'!r}")])


def load(path: str | os.PathLike) -> Directory:
    """The directory in the file at `path` (its name, never its folder, appears in errors)."""
    path = Path(path)
    kind = _kind(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DirectoryError(path.name, [(0, "there is no such file")]) from None
    except UnicodeDecodeError as error:
        raise DirectoryError(path.name, [(0, f"it is not UTF-8 text (byte {error.start})")]) from None
    return parse(text, kind, path.name)


class WatchedDirectory:
    """A directory file, reloaded when it changes. ``current()`` is the last directory that loaded; ``error``
    says why the file as it is now does not load (None when it does)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._stamp: tuple[int, int] | None = None
        self._directory = load(self.path)  # the first load must succeed: there is nothing to fall back on
        self._stamp = self._read_stamp()
        self.error: DirectoryError | None = None

    def _read_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def current(self) -> Directory:
        stamp = self._read_stamp()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._directory = load(self.path)
                self.error = None
            except DirectoryError as error:
                self.error = error
        return self._directory
