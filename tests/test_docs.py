"""The documentation a reader is given: a README of one sitting, links that lead somewhere, and
nothing that points at a file outside the repository (a reader of a clone has only the clone)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MAX_README_LINES = 250

# Files a repository must not point at: the founders' design and style notes and their
# workspace. Spelled in pieces so this file does not find itself.
OUTSIDE = [re.escape(name) for name in ("DESIGN" + ".md", "STYLE" + ".md", "HELPERS" + ".md")]
OUTSIDE += [re.escape(".." + "/shared"), re.escape("/" + "work/")]
OUTSIDE_RE = re.compile("|".join(OUTSIDE))
SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", "sessions", "runs",
             "build", "dist", "node_modules"}
LINK_RE = re.compile(r"\]\(([^)\s]+)\)")


def tracked_files(root: Path) -> list[Path]:
    """The files git tracks (what a clone holds; caches a test run leaves are not the
    repository's), or every file when there is no git checkout."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True,
                                check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        return sorted(root.rglob("*"))
    return sorted(root / name for name in listed if name)


def repository_text_files(root: Path):
    for path in tracked_files(root):
        rel = path.relative_to(root)
        if any(part in SKIP_DIRS or part.endswith(".egg-info") for part in rel.parts[:-1]):
            continue
        if not path.is_file() or path.is_symlink() or rel.parts[0] in SKIP_DIRS:
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # audio, images, databases
        yield rel, data.decode("utf-8", errors="replace")


def outside_references(root: Path) -> list[str]:
    hits = []
    for rel, text in repository_text_files(root):
        for n, line in enumerate(text.splitlines(), 1):
            if OUTSIDE_RE.search(line):
                hits.append(f"{rel}:{n}: {line.strip()[:100]}")
    return hits


def local_links(md: Path) -> list[tuple[str, Path]]:
    """(link, the file it names) for every relative link of a Markdown file."""
    out = []
    for target in LINK_RE.findall(md.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # web addresses, anchors in the same page
        out.append((target, (md.parent / target.split("#")[0]).resolve()))
    return out


def test_the_readme_is_read_in_one_sitting():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines < MAX_README_LINES, f"README.md has {lines} lines; move detail to docs/"


def test_the_readme_starts_with_the_two_commands():
    head = README.read_text(encoding="utf-8").splitlines()[:6]
    assert any(line.startswith("bash tools/setup.sh app") for line in head)
    assert any(line.startswith("bash tools/setup.sh test") for line in head)


@pytest.mark.parametrize("md", [README, *sorted((ROOT / "docs").rglob("*.md"))],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_leads_to_a_file_of_the_repository(md):
    missing = [link for link, path in local_links(md) if not path.exists()]
    outside = [link for link, path in local_links(md) if not path.is_relative_to(ROOT)]
    assert not missing, f"{md.name} links to files that do not exist: {missing}"
    assert not outside, f"{md.name} links outside the repository: {outside}"


def test_the_readme_links_the_docs_a_reader_needs():
    linked = {path for _, path in local_links(README)}
    for name in ("user-guide.md", "design.md", "file-formats.md", "benchmarks.md", "engine.md",
                 "online-study.md", "online-results.md", "research/vote-efficiency.md"):
        assert (ROOT / "docs" / name).resolve() in linked, f"README.md does not link docs/{name}"


def test_nothing_points_at_a_file_outside_the_repository():
    hits = outside_references(ROOT)
    assert not hits, ("these lines cite files that are not in the repository (cite docs/design.md "
                      "instead):\n" + "\n".join(hits))


def test_the_outside_check_finds_a_reference(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("fine\n")
    (tmp_path / "b.py").write_text('"""Rounds (' + "DESIGN" + '.md 1.7)."""\n')
    (tmp_path / "c.txt").write_text("see " + ".." + "/shared/notes\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("/" + "work/main\n")
    hits = outside_references(tmp_path)
    assert [h.split(":")[0] for h in hits] == ["b.py", "c.txt"]
