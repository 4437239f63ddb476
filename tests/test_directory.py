"""The organisation's directory file (ante.directory): good files in CSV and YAML, every kind of malformed row
reported with its line and the file refused whole, and a watched file reloaded when it changes."""

import os

import pytest

from ante.directory import MAX_NAME, Directory, DirectoryError, WatchedDirectory, load, parse

FIONA = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
CARL = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_directory_names_its_people(tmp_path):
    path = write(tmp_path, "people.csv", "address,name,team,avatar,profile\n"
                 f"{FIONA.lower()},Fiona Reyes,People,,https://example.org/fiona\n"
                 "\n"
                 f"{CARL},Carl Ng,Platform,https://example.org/carl.png,\n")
    directory = load(path)
    assert len(directory) == 2
    fiona = directory.get(FIONA.upper().replace("0X", "0x"))  # any case finds it
    assert (fiona.address, fiona.name, fiona.team, fiona.avatar, fiona.profile, fiona.line) == (
        FIONA, "Fiona Reyes", "People", "", "https://example.org/fiona", 2)
    carl = directory.get(CARL)
    assert (carl.team, carl.avatar, carl.line) == ("Platform", "https://example.org/carl.png", 4)
    assert carl.to_json() == {"address": CARL, "name": "Carl Ng", "team": "Platform",
                              "avatar": "https://example.org/carl.png", "profile": None}
    assert directory.get("0x" + "00" * 20) is None and directory.get(None) is None
    assert [p.name for p in directory] == ["Fiona Reyes", "Carl Ng"]


def test_a_yaml_directory_names_its_people(tmp_path):
    path = write(tmp_path, "people.yaml", f"- address: '{FIONA}'\n  name: Fiona Reyes\n  team: People\n"
                                          f"- {{address: '{CARL}', name: Carl Ng}}\n")
    directory = load(path)
    assert directory.get(FIONA).team == "People" and directory.get(FIONA).line == 1
    assert directory.get(CARL).name == "Carl Ng" and directory.get(CARL).line == 4
    assert len(load(write(tmp_path, "empty.yml", ""))) == 0


@pytest.mark.parametrize("row, problem", [
    ("0x123,Short", "'0x123' is not an address"),
    (f"{FIONA[:-1]}9,Bad Sum", "has a wrong checksum"),
    (f"{FIONA},", "the name is missing"),
    (f",Nobody", "the address is missing"),
    (f"{FIONA},{'x' * (MAX_NAME + 1)}", f"the name is {MAX_NAME + 1} characters long, more than {MAX_NAME}"),
    (f"{FIONA},Fi\u0007ona", "the name holds a control character"),
    (f"{FIONA},Fiona,,javascript:alert(1)", "the avatar 'javascript:alert(1)' is not an http(s) URL"),
    (f"{FIONA},Fiona,,,ftp://example.org", "the profile 'ftp://example.org' is not an http(s) URL"),
    (f"{FIONA},Fiona,,,,surplus", "unknown column (extra values)"),
])
def test_a_malformed_row_is_reported_with_its_line_and_nothing_is_loaded(tmp_path, row, problem):
    path = write(tmp_path, "people.csv", f"address,name,team,avatar,profile\n{CARL},Carl Ng\n{row}\n")
    with pytest.raises(DirectoryError) as raised:
        load(path)
    [(line, text)] = raised.value.problems
    assert line == 3 and problem in text, text
    assert str(raised.value).startswith("The directory people.csv was not loaded (1 problem): line 3: ")
    assert str(tmp_path) not in str(raised.value)  # the file's name, never the folder it is in


def test_every_problem_is_reported_in_line_order(tmp_path):
    path = write(tmp_path, "people.csv", "address,name,role\n"
                 f"{FIONA},Fiona,admin\n{CARL},Carl\nnot-an-address,Who\n{CARL.lower()},Carl again\n")
    with pytest.raises(DirectoryError) as raised:
        load(path)
    assert [line for line, _ in raised.value.problems] == [2, 4, 5]
    assert "unknown column role" in raised.value.problems[0][1]
    assert raised.value.problems[2][1] == f"{CARL} is listed again (first on line 3)"


def test_files_that_cannot_be_directories(tmp_path):
    cases = {
        "people.csv": ("name,team\nFiona,People\n", "line 1: the header line lacks address"),
        "people.yaml": ("address: x\n", "line 1: the file must be a list of people"),
        "bad.yaml": ("- [unclosed\n", "not YAML"),
        "list.yaml": (f"- just text\n- {{address: '{FIONA}', name: Fiona}}\n", "unknown column (not a mapping)"),
        "people.txt": ("", "must end in .csv, .yaml or .yml"),
    }
    for name, (text, expected) in cases.items():
        with pytest.raises(DirectoryError) as raised:
            load(write(tmp_path, name, text))
        assert expected in str(raised.value), (name, str(raised.value))
    with pytest.raises(DirectoryError, match="there is no such file"):
        load(tmp_path / "absent.csv")
    (tmp_path / "latin.csv").write_bytes(b"address,name\n" + FIONA.encode() + b",Fiona \xe9\n")
    with pytest.raises(DirectoryError, match="not UTF-8"):
        load(tmp_path / "latin.csv")


def test_a_watched_directory_reloads_when_the_file_changes_and_keeps_the_last_good_one(tmp_path):
    path = write(tmp_path, "people.csv", f"address,name\n{FIONA},Fiona\n")
    watched = WatchedDirectory(path)
    assert watched.current().get(FIONA).name == "Fiona" and watched.error is None

    def rewrite(text, bump):
        path.write_text(text, encoding="utf-8")
        stamp = path.stat().st_mtime_ns + bump  # a distinct modification time, whatever the clock's resolution
        os.utime(path, ns=(stamp, stamp))

    rewrite(f"address,name\n{FIONA},Fiona Reyes\n{CARL},Carl\n", 10**9)
    assert watched.current().get(FIONA).name == "Fiona Reyes" and watched.current().get(CARL).name == "Carl"
    rewrite(f"address,name\n{FIONA},Fiona Reyes\nnot-an-address,Carl\n", 2 * 10**9)
    kept = watched.current()
    assert kept.get(CARL).name == "Carl"  # the last good directory, not half of the new one
    assert watched.error is not None and watched.error.problems[0][0] == 3
    rewrite(f"address,name\n{CARL},Carl Ng\n", 3 * 10**9)
    assert watched.current().get(CARL).name == "Carl Ng" and watched.current().get(FIONA) is None
    assert watched.error is None
    with pytest.raises(DirectoryError):
        WatchedDirectory(tmp_path / "absent.csv")  # nothing to fall back on at the start


def test_parse_takes_text(tmp_path):
    directory = parse(f"address,name\n{FIONA},Fiona\n", "csv", "inline")
    assert isinstance(directory, Directory) and directory.source == "inline" and directory.get(FIONA).line == 2
