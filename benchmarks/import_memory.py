"""Peak memory of online-results imports, hostile archives included, beside the 200 MB budget.

    .venv/bin/python benchmarks/import_memory.py [--participants 300]

Each case runs in a fresh Python process on a scratch experiment (round 0 of the test designer,
51 trials and 3 practice voices per participant): the process's own memory once everything is
imported and the experiment opened (its baseline), then its peak during `import_results` (the
kernel's high-water mark VmHWM, reset before the import; Linux). The figure that counts is peak minus baseline: what the
import adds to the app it runs in (docs/design.md section 5: under 200 MB). Cases:

  archive      a JATOS archive of --participants whole results (accepted)
  zip-bomb-1   1 MB archive holding a member of 1 GB of zeros (refused from its listing)
  zip-bomb-4   4 MB archive, four such members
  lying-bomb   1 GB of zeros whose listing claims 1 kB (refused: reading stops at 1 kB, bad CRC)
  agent-5mb    a participant whose user agent is 5 MB (accepted, cut to 512 characters)
  many-files   an archive of 20,001 empty files (refused from its listing)
"""

from __future__ import annotations

import argparse
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

BUDGET_MB = 200.0
CASES = ("archive", "zip-bomb-1", "zip-bomb-4", "lying-bomb", "agent-5mb", "many-files")


def _bomb(path: Path, members: int, size: int = 2**30) -> None:
    block = b"\0" * 2**24
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for m in range(members):
            with z.open(f"study_result_{m}/comp-result_{m}/data.txt", "w",
                        force_zip64=True) as out:
                for _ in range(size // len(block)):
                    out.write(block)


def _lying_bomb(path: Path) -> None:
    """One member whose central directory says 1 kB unpacked for 1 GB of deflate data."""
    _bomb(path, 1)
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x01\x02")           # its central directory entry
    data[at + 24:at + 28] = struct.pack("<I", 1024)   # uncompressed size
    path.write_bytes(bytes(data))


def make(case: str, exp_dir: Path, work: Path, participants: int) -> Path:
    from helpers.online import as_json, jatos_archive, participant_rows

    from hd_desktop.store import Experiment

    if case == "archive":
        with Experiment.open(exp_dir, create=False) as exp:
            sets = [participant_rows(exp, f"P{n:04d}") for n in range(participants)]
        return jatos_archive(work / "jatos_results.jrzip", sets)
    if case == "zip-bomb-1":
        _bomb(work / "bomb1.zip", 1)
        return work / "bomb1.zip"
    if case == "zip-bomb-4":
        _bomb(work / "bomb4.zip", 4)
        return work / "bomb4.zip"
    if case == "lying-bomb":
        _lying_bomb(work / "lying.zip")
        return work / "lying.zip"
    if case == "agent-5mb":
        with Experiment.open(exp_dir, create=False) as exp:
            rows = participant_rows(exp, "P1", answered=1, complete=False, practiced=False,
                                    user_agent="Mozilla/5.0 " + "x" * 5 * 2**20)
        (work / "agent.json").write_text(as_json(rows))
        return work / "agent.json"
    with zipfile.ZipFile(work / "many.zip", "w") as z:
        for n in range(20_001):
            z.writestr(f"r{n}/data.txt", "")
    return work / "many.zip"


def _memory_kb() -> tuple[int, int]:
    """(resident now, peak resident since the last reset), from /proc/self/status."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            found[line[:5]] = int(line.split()[1])
    return found["VmRSS"], found["VmHWM"]


def child(exp_dir: str, path: str) -> None:
    """Runs in its own process: baseline, import, peak (kB). The kernel's peak is reset first
    (clear_refs 5): a child starts with its parent's high-water mark."""
    from hd_desktop.errors import BadInputError
    from hd_desktop.store import Experiment
    from hd_desktop.web.importing import import_results

    with Experiment.open(exp_dir, create=False) as exp:
        exp.sessions()
    Path("/proc/self/clear_refs").write_text("5")
    base, _ = _memory_kb()
    t = time.perf_counter()
    try:
        report = import_results(exp_dir, [path])
        outcome = f"stored {report.ratings.new_votes} votes of {len(report.participants)}"
    except BadInputError as exc:
        outcome = f"refused: {str(exc)[len(path):][:90]}"
    _, peak = _memory_kb()
    print(json.dumps({"base_kb": base, "peak_kb": peak, "s": time.perf_counter() - t,
                      "outcome": outcome}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from helpers.online import online_experiment

    scratch = Path(tempfile.mkdtemp(prefix="hd-bench-import-memory-"))
    try:
        online_experiment(scratch / "pristine").close()
        print(f"{'case':<12} {'file MB':>8} {'base MB':>8} {'peak MB':>8} {'added MB':>9} "
              f"{'s':>6}  outcome")
        worst = 0.0
        for case in CASES:
            exp_dir = Path(shutil.copytree(scratch / "pristine", scratch / case))
            work = scratch / f"{case}-files"
            work.mkdir()
            path = make(case, exp_dir, work, args.participants)
            done = subprocess.run([sys.executable, __file__, "--child", str(exp_dir), str(path)],
                                  capture_output=True, text=True, check=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            added = (r["peak_kb"] - r["base_kb"]) / 1024
            worst = max(worst, added)
            print(f"{case:<12} {path.stat().st_size / 2**20:8.1f} {r['base_kb'] / 1024:8.1f} "
                  f"{r['peak_kb'] / 1024:8.1f} {added:9.1f} {r['s']:6.2f}  {r['outcome']}")
            shutil.rmtree(work)
        print(f"worst added: {worst:.1f} MB (budget {BUDGET_MB:.0f} MB): "
              f"{'within' if worst < BUDGET_MB else 'OVER'}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
