"""benchmarks/efficiency.py's bookkeeping: a run that fails is reported with its reason and the
benchmark goes on; summaries leave it out and say so."""

from __future__ import annotations

import pytest
from helpers.benchmarks import load_benchmark


@pytest.fixture(scope="module")
def eff():
    return load_benchmark("efficiency")


JOB = {"method": "engine", "k": 6, "listener": "zoo-6", "votes": 2000, "seed": 1}


def test_a_failing_run_is_reported_with_its_reason(eff, monkeypatch):
    def fails(job):
        raise RuntimeError("sample_target: the listener accepts almost nothing in the box")

    monkeypatch.setattr(eff, "one_run", fails)
    r = eff.run_or_report(JOB)
    assert r == {**JOB, "error": "RuntimeError: sample_target: the listener accepts almost "
                                 "nothing in the box"}
    monkeypatch.setattr(eff, "one_run", lambda job: {**job, "fidelity": 0.5})
    assert eff.run_or_report(JOB) == {**JOB, "fidelity": 0.5}


def test_the_summary_leaves_failed_runs_out_and_names_them(eff, capsys):
    done = {**JOB, "listener": "zoo-7", "fidelity": 0.537, "acceptance": 1.85,
            "acceptance_real": 0.75, "target_real": 0.40, "spread": 1.23}
    eff.summarise([{**JOB, "error": "RuntimeError: no draws"}, done], by_shape=True)
    out = capsys.readouterr().out
    assert "1 runs failed and are left out:" in out
    assert "zoo-6" in out and "RuntimeError: no draws" in out
    assert "0.537 [0.54-0.54]" in out and "(n=1)" in out
