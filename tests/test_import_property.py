"""Property: any mutation of a rating file is refused in words or harmless (issue 9).

Hypothesis generates at least 300 mutations of a real exported rating file per run: raw bytes,
columns, rows, cells, sidecar fields and their types, and consistent forgeries (a stimulus
changed in both the sidecar and the rows, checksum recomputed). Each import into a copy of a
real experiment must end one of two ways: refused with a `BadInputError` naming the file and
the experiment byte-identical, or accepted with the engine still able to run an update.
The run is derandomised (the same mutations every run), so a failure reproduces.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from helpers.importing import designed_experiment, engine_updates, export, vote_session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hd_desktop.errors import BadInputError
from hd_desktop.store import import_rating_files

EXAMPLES = 300
# Each example copies an experiment; in memory (tmpfs) its fsyncs cost nothing, so 300 fit in CI.
SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
_BIG = "__1e400__"   # stands for the JSON number 1e400, which no Python float can hold


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    """(experiment folder B, CSV bytes, sidecar) of a file B has not imported yet."""
    root = tmp_path_factory.mktemp("prop")
    exp, stimuli = designed_experiment(root / "A")
    first = vote_session(exp, stimuli, "L1", seed=1, n=40)
    second = vote_session(exp, stimuli, "L2", seed=2, n=30)
    files = [export(exp, sid, root / "out") for sid in (first, second)]
    exp.close()
    import_rating_files(root / "B", [files[0]])
    return root / "B", files[1].read_bytes(), json.loads(files[1].with_suffix(".json").read_text())


def _leaf_paths(node, prefix=(), depth=0):
    """Paths to every value in the sidecar (lists of stimuli: the first four entries)."""
    out = [prefix] if prefix else []
    if depth > 5:
        return out
    if isinstance(node, dict):
        for k, v in node.items():
            out += _leaf_paths(v, prefix + (k,), depth + 1)
    elif isinstance(node, list):
        for i, v in enumerate(node[:4]):
            out += _leaf_paths(v, prefix + (i,), depth + 1)
    return out


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
    | st.sampled_from(["", " ", "None", "null", "not a time", _BIG, "2026-03-02 09:30:00+00:00",
                       "2026-03-02T09:30:00+01:00", "r0-n777-m0-r00+", "nes+", "gold-far",
                       "trials", "practice", "L1"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                  max_size=3),
    max_leaves=6)

cell_values = st.sampled_from([
    "", " ", "nan", "inf", "-inf", "1e300", "-1e300", "1e400", "-1", "0", "1", "2", "0.5",
    str(2**70), "None", "not a time", "2026-03-02 09:30:00.000000+00:00",
    "2026-03-02T09:30:00.000000+00:00", "2030-01-01T00:00:00.000000+00:00", "L1", "r0-n777-m0-r00+",
    "nes-", "gold-real", "\x07", "١", "1_0"]) | st.text(max_size=8)


@st.composite
def mutations(draw, sidecar, n_rows, n_cols):
    kind = draw(st.sampled_from(["bytes", "column", "row", "cell", "sidecar", "stimulus",
                                 "drop-key"]))
    if kind == "bytes":
        return kind, (draw(st.sampled_from(["flip", "delete", "insert"])),
                      draw(st.floats(0, 1)), draw(st.integers(0, 255)), draw(st.booleans()))
    if kind == "column":
        return kind, (draw(st.sampled_from(["drop", "duplicate", "swap", "rename"])),
                      draw(st.integers(0, n_cols - 1)), draw(st.integers(0, n_cols - 1)),
                      draw(cell_values))
    if kind == "row":
        return kind, (draw(st.sampled_from(["drop", "duplicate", "swap"])),
                      draw(st.integers(1, n_rows)), draw(st.integers(1, n_rows)))
    if kind == "cell":
        return kind, (draw(st.integers(1, n_rows)), draw(st.integers(0, n_cols - 1)),
                      draw(cell_values))
    paths = _leaf_paths(sidecar)
    if kind in ("sidecar", "drop-key"):
        return kind, (draw(st.sampled_from(paths)), draw(json_values))
    field = draw(st.sampled_from(["z0", "z1", "seed", "id", "role", "neighbour", "pair", "round"]))
    value = draw(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-3, 800)
                 | st.sampled_from([1e300, 3.0, -60.0, 0.0]))
    return kind, (draw(st.integers(0, len(sidecar["stimuli"]) - 1)), field, value)


def _apply(kind, args, data: bytes, sidecar: dict) -> tuple[bytes, str, bool]:
    """The mutated (CSV bytes, sidecar text); the bool says whether to recompute the checksum."""
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    recompute = True
    if kind == "bytes":
        op, where, byte, recompute = args
        i = int(where * (len(data) - 1))
        b = bytearray(data)
        if op == "flip":
            b[i] ^= byte or 1
        elif op == "delete":
            del b[i]
        else:
            b.insert(i, byte)
        data = bytes(b)
    elif kind == "column":
        op, i, j, value = args
        for r in rows:
            if op == "drop":
                del r[i]
            elif op == "duplicate":
                r.insert(i, r[i])
            elif op == "swap":
                r[i], r[j] = r[j], r[i]
        if op == "rename":
            rows[0][i] = value
    elif kind == "row":
        op, i, j = args
        if op == "drop":
            del rows[i]
        elif op == "duplicate":
            rows.insert(i, list(rows[i]))
        else:
            rows[i], rows[j] = rows[j], rows[i]
    elif kind == "cell":
        i, j, value = args
        rows[i][j] = value
    elif kind in ("sidecar", "drop-key"):
        path, value = args
        node = sidecar
        for key in path[:-1]:
            node = node[key]
        if kind == "drop-key":
            del node[path[-1]]
        else:
            node[path[-1]] = value
    else:
        index, field, value = args
        stim = sidecar["stimuli"][index]
        old_id = stim["id"]
        if field.startswith("z"):
            stim["z"][int(field[1])] = float(value)
        elif field == "id":
            stim["id"] = f"r0-n{int(abs(value)) % 1000:03d}-m0-r00+"
            sidecar["session"]["order"] = [stim["id"] if s == old_id else s
                                           for s in sidecar["session"]["order"]]
        elif field == "role":
            stim["role"] = ["nes+", "nes-", "gold-real", "gold-far", "practice"][int(abs(value)) % 5]
        else:
            stim[field] = int(value) if isinstance(value, int) or value == int(value) else value
        columns = rows[0]
        for r in rows[1:]:
            if r[columns.index("stimulus_id")] == old_id:
                r[columns.index("stimulus_id")] = stim["id"]
                for name in ("round", "role", "neighbour", "pair", "seed"):
                    v = stim.get(name)
                    r[columns.index(name)] = "" if v is None else (repr(v) if isinstance(v, float)
                                                                  else str(v))
                for k, z in enumerate(stim["z"]):
                    r[columns.index(f"z{k + 1}")] = repr(float(z))
    if kind != "bytes":
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator="\n").writerows(rows)
        data = buf.getvalue().encode()
    if recompute and isinstance(sidecar.get("csv"), dict):
        sidecar["csv"]["sha256"] = hashlib.sha256(data).hexdigest()
        sidecar["csv"]["rows"] = max(len(rows) - 1, 0) if kind != "bytes" else \
            sidecar["csv"].get("rows")
    text = json.dumps(sidecar).replace(json.dumps(_BIG), "1e400")
    return data, text, recompute


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_mutation_is_refused_in_words_or_leaves_an_engine_that_updates(original):
    folder, data, sidecar = original
    rows = data.decode().count("\n") - 1
    cols = len(data.decode().splitlines()[0].split(","))
    outcomes = {"refused": 0, "accepted": 0}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(mutation=mutations(sidecar, rows, cols))
    def check(mutation):
        kind, args = mutation
        work = Path(tempfile.mkdtemp(prefix="hd-prop-", dir=SCRATCH))
        try:
            target = work / "B"
            shutil.copytree(folder, target)
            csv_path = work / "ratings-mutated.csv"
            new_data, text, _ = _apply(kind, args, data, json.loads(json.dumps(sidecar)))
            csv_path.write_bytes(new_data)
            csv_path.with_suffix(".json").write_text(text)
            before = _digest(target)
            try:
                import_rating_files(target, [csv_path])
            except BadInputError as exc:
                assert str(csv_path.with_suffix("")) in str(exc), str(exc)
                assert _digest(target) == before
                outcomes["refused"] += 1
            else:
                assert engine_updates(target) > 0
                outcomes["accepted"] += 1
        finally:
            shutil.rmtree(work, ignore_errors=True)

    check()
    print(f"\nimport property: {outcomes}")
    assert sum(outcomes.values()) >= EXAMPLES
    assert outcomes["refused"] > EXAMPLES / 2 and outcomes["accepted"] > 0
