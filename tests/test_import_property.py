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


@pytest.mark.slow
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


# ------------------------------------------------------------------ online results (issue 22)

ONLINE_EXAMPLES = 150


@pytest.fixture(scope="module")
def online(tmp_path_factory):
    """(experiment folder, {name: jsPsych rows}): whole results and checkpoints of three
    participants of round 0, as hd-study.js writes them."""
    from helpers.online import online_experiment, participant_rows

    root = tmp_path_factory.mktemp("online-prop")
    exp = online_experiment(root / "exp")
    base = {"P1": participant_rows(exp, "P1"),
            "P1-break": participant_rows(exp, "P1", answered=20, complete=False),
            "P2": participant_rows(exp, "P2"),
            "P3-break": participant_rows(exp, "P3", answered=10, complete=False)}
    exp.close()
    return root / "exp", base


_ONLINE_KEYS = ["response", "rt_ms", "n_plays", "stimulus_id", "hd_trial", "hd_participant",
                "hd_phase", "presented_at", "hd_kind", "hd_complete", "hd_user_agent",
                "hd_order", "hd_seed", "audio_started", "audio_clock", "audio_onset_s"]
_ONLINE_VALUES = st.sampled_from(
    ["", "0", "1", "2", "-1", "0.5", "NaN", "1e400", "P1", "P2", " P1", "trials", "practice",
     "vote", "end", "false", "true", "2026-03-02T09:30:00.000Z", "2026-03-02T09:30:00+01:00",
     "r0-n000-m0-r00+", "<b>x</b>", "\u0007", "x" * 300]) | st.integers(-3, 60) | st.none()


@st.composite
def online_imports(draw, names):
    files = draw(st.lists(st.tuples(st.sampled_from(names),
                                    st.sampled_from(["csv", "json", "jatos"])),
                          min_size=1, max_size=4))
    kind = draw(st.sampled_from(["none", "cell", "row", "bytes", "conflict", "join"]))
    target = draw(st.integers(0, len(files) - 1))
    if kind == "cell":
        args = (draw(st.integers(0, 60)), draw(st.sampled_from(_ONLINE_KEYS)),
                draw(_ONLINE_VALUES), draw(st.booleans()))
    elif kind == "row":
        args = (draw(st.sampled_from(["drop", "duplicate", "swap"])), draw(st.integers(0, 60)),
                draw(st.integers(0, 60)), draw(st.booleans()))
    elif kind == "bytes":
        args = (draw(st.sampled_from(["flip", "truncate"])), draw(st.floats(0, 1)),
                draw(st.integers(1, 255)))
    elif kind == "conflict":
        args = (draw(st.integers(0, 60)),)
    elif kind == "join":
        args = (draw(st.sampled_from(names)),)
    else:
        args = ()
    return files, kind, target, args


def _reseal(rows: list[dict]) -> None:
    """What a forger does: recount the answers and recompute the browser's checksum."""
    from hd_desktop.web.results import WebAnswer, digest

    meta = {k: rows[0].get(k) for k in ("hd_study", "hd_experiment", "hd_round", "hd_participant",
                                         "hd_seed", "hd_list", "hd_order", "hd_practice_order")}
    votes = [r for r in rows if r.get("hd_kind") == "vote"]
    try:
        answers = [WebAnswer(str(r["hd_phase"]), int(r["hd_trial"]), str(r["stimulus_id"]),
                             int(r["response"]), float(r["rt_ms"]), int(r["n_plays"]),
                             str(r["presented_at"]), str(r["responded_at"])) for r in votes]
        sealed = digest(meta, answers)
    except (KeyError, TypeError, ValueError):
        return   # not numbers: the forger cannot seal it either
    for r in rows:
        if r.get("hd_kind") == "end":
            r["hd_rows"], r["hd_digest"] = len(votes), sealed


def _online_files(work: Path, base: dict, files, kind, target, args) -> tuple[list[Path], list]:
    """The files of one import on disk, and the rows written in each (for the expectation)."""
    from helpers.online import as_csv, as_json, jatos_archive

    sets = [json.loads(json.dumps(base[name])) for name, _ in files]
    formats = [fmt for _, fmt in files]
    rows = sets[target]
    if kind == "cell":
        i, key, value, reseal = args
        rows[i % len(rows)][key] = value
        if reseal:
            _reseal(rows)
    elif kind == "row":
        op, i, j, reseal = args
        i, j = i % len(rows), j % len(rows)
        if op == "drop":
            del rows[i]
        elif op == "duplicate":
            rows.insert(i, dict(rows[i]))
        else:
            rows[i], rows[j] = rows[j], rows[i]
        if reseal and rows:
            _reseal(rows)
    elif kind == "conflict":   # another file of the same participant: one answer changed
        other = json.loads(json.dumps(rows))
        votes = [r for r in other if r.get("hd_kind") == "vote"]
        if votes:
            vote = votes[args[0] % len(votes)]
            vote["response"] = 1 - int(vote["response"])
            _reseal(other)
        sets.append(other)
        formats.append(formats[target])
    elif kind == "join":
        sets[target] = rows + json.loads(json.dumps(base[args[0]]))
    paths: list[Path] = []
    written: list[list] = []
    archive: list[list] = []
    for n, (data, fmt) in enumerate(zip(sets, formats)):
        if fmt == "jatos":
            archive.append(data)
            continue
        path = work / f"hd-results-{n}.{fmt}"
        path.write_text(as_csv(data) if fmt == "csv" else as_json(data))
        paths.append(path)
        written.append([data])
    if archive:
        paths.append(jatos_archive(work / "jatos_results.jrzip", archive))
        written.append(archive)
    if kind == "bytes":
        op, where, byte = args
        path = paths[min(target, len(paths) - 1)]
        data = bytearray(path.read_bytes())
        at = int(where * (len(data) - 1))
        if op == "flip":
            data[at] ^= byte
        else:
            del data[at:]
        path.write_bytes(bytes(data))
    return paths, written


def _answers(written: list) -> dict[str, set]:
    """{participant: {(trial, stimulus, response)}} of the trials answers in the rows written."""
    out: dict[str, set] = {}
    for sets in written:
        for rows in sets:
            for r in rows:
                if r.get("hd_kind") == "vote" and r.get("hd_phase") == "trials":
                    out.setdefault(str(r["hd_participant"]).strip(), set()).add(
                        (int(r["hd_trial"]), str(r["stimulus_id"]), int(r["response"])))
    return out


@pytest.mark.slow
def test_online_results_in_any_files_are_refused_in_words_or_stored_whole(online):
    """Any mix of jsPsych CSV, JSON and JATOS archives, several files per participant, with one
    mutation (an edited cell or row, with or without the checksum recomputed, flipped or cut
    bytes, a second file answering one trial differently, two participants joined): refused
    naming a file given, the experiment byte-identical; or accepted, and every participant's
    stored answers are exactly the union of the answers in the files given."""
    from hd_desktop.store import Experiment, SessionKind
    from hd_desktop.web.importing import import_results

    folder, base = online
    outcomes = {"refused": 0, "accepted": 0}

    @settings(max_examples=ONLINE_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(case=online_imports(sorted(base)))
    def check(case):
        work = Path(tempfile.mkdtemp(prefix="hd-prop-web-", dir=SCRATCH))
        try:
            target = Path(shutil.copytree(folder, work / "exp"))
            paths, written = _online_files(work, base, *case)
            before = _digest(target)
            try:
                import_results(target, paths)
            except BadInputError as exc:
                assert any(str(p) in str(exc) for p in paths), str(exc)
                assert "hd-web-records" not in str(exc), str(exc)
                assert _digest(target) == before
                outcomes["refused"] += 1
                return
            with Experiment.open(target, create=False) as exp:
                for pid, expected in _answers(written).items():
                    trials = [s for s in exp.sessions(pid) if s.kind == SessionKind.TRIALS]
                    assert len(trials) == 1, pid
                    stored = {(v.trial, v.stimulus_id, v.response)
                              for v in exp.votes(session_id=trials[0].id)}
                    assert stored == expected, (pid, sorted(stored ^ expected)[:5])
            outcomes["accepted"] += 1
        finally:
            shutil.rmtree(work, ignore_errors=True)

    check()
    print(f"\nonline import property: {outcomes}")
    assert sum(outcomes.values()) >= ONLINE_EXAMPLES
    assert outcomes["refused"] > ONLINE_EXAMPLES / 5 and outcomes["accepted"] > ONLINE_EXAMPLES / 5
