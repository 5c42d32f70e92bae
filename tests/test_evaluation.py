"""Evaluation 2: acceptance of real vs sampled voices with 95% intervals, spread, files."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from hd_desktop.design.stimulus import Role, Stimulus
from hd_desktop.engine.estimates import Answer
from hd_desktop.engine.evaluation import (Z95, clustered_bootstrap, evaluation_table,
                                          make_evaluation_stimuli, newcombe_difference, spread_summary, wilson_interval,
                                          write_evaluation)
from hd_desktop.store import EVALUATION_ROUND


def test_wilson_interval_by_hand():
    z2 = Z95 ** 2
    assert Z95 == pytest.approx(1.959964, abs=1e-6)
    # 0 of n: [0, z^2/(n + z^2)]; n of n: [n/(n + z^2), 1]
    assert wilson_interval(0, 10) == pytest.approx((0.0, z2 / (10 + z2)), abs=1e-12)
    assert wilson_interval(10, 10) == pytest.approx((10 / (10 + z2), 1.0), abs=1e-12)
    # p = 1/2: centre 1/2, half-width z / (2 sqrt(n + z^2))
    half = Z95 / (2 * math.sqrt(10 + z2))
    assert wilson_interval(5, 10) == pytest.approx((0.5 - half, 0.5 + half), abs=1e-12)
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=5e-5)
    # Newcombe (1998), Stat Med 17:857, table I: 81/263 and 15/148
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson_interval(15, 148) == pytest.approx((0.0624, 0.1605), abs=5e-5)
    assert wilson_interval(0, 0) is None


def test_newcombe_difference_matches_the_published_example():
    # Newcombe (1998), Stat Med 17:873, method 10: 56/70 - 48/80 -> (0.0524, 0.3339)
    assert newcombe_difference(56, 70, 48, 80) == pytest.approx((0.0524, 0.3339), abs=5e-5)
    lo, hi = newcombe_difference(3, 10, 3, 10)
    assert lo == pytest.approx(-hi) and lo < 0 < hi
    assert newcombe_difference(1, 2, 0, 0) is None


def test_the_bootstrap_resamples_listeners_not_votes():
    # rows: (accepts real, votes real, accepts sampled, votes sampled) per listener
    alike = np.array([[3, 4, 1, 4]] * 5)
    assert clustered_bootstrap(alike, 500, seed=0) == [[0.75, 0.75], [0.25, 0.25], [-0.5, -0.5]]
    # one listener accepts every real voice, the other none: a resample of the two listeners is
    # AA, AB or BB (1, 1/2, 0); resampling the 20 votes one by one would give about [0.3, 0.7]
    split = np.array([[10, 10, 5, 10], [0, 10, 5, 10]])
    real, sampled, difference = clustered_bootstrap(split, 2000, seed=1)
    assert real == [0.0, 1.0] and sampled == [0.5, 0.5] and difference == [-0.5, 0.5]
    # a listener who heard no sampled voice: resamples of that listener alone have no
    # acceptance for the sampled group and are left out of its interval
    one_sided = np.array([[4, 4, 0, 0], [2, 4, 3, 4], [1, 4, 1, 4]])
    lo, hi = clustered_bootstrap(one_sided, 2000, seed=2)[1]
    assert 0.25 <= lo <= hi <= 0.75
    assert clustered_bootstrap(one_sided, 2000, seed=2) == clustered_bootstrap(one_sided, 2000,
                                                                               seed=2)


def test_spread_mean_distance_and_sd():
    z = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    s = spread_summary(z)
    assert s["centroid"] == [1.0, 1.0]
    assert s["mean_distance_to_centroid"] == pytest.approx(math.sqrt(2))
    assert s["sd_per_axis"] == pytest.approx([np.std([0, 2, 0, 2], ddof=1)] * 2)
    assert spread_summary(z[:1])["sd_per_axis"] == [None, None]


def _stimuli():
    real = [Stimulus(f"eval-t-real-{i:03d}", EVALUATION_ROUND, Role.EVAL_REAL,
                     (0.5 * i, 0.0), 1) for i in range(4)]
    sampled = [Stimulus(f"eval-t-sample-{i:03d}", EVALUATION_ROUND, Role.EVAL_SAMPLE,
                        (2.0 * i, -1.0 * i), 1) for i in range(4)]
    return real, sampled


def test_table_counts_intervals_and_spreads():
    real, sampled = _stimuli()
    votes = []
    for listener, (acc_real, acc_sampled) in {"A": (4, 3), "B": (3, 2), "C": (4, 4)}.items():
        votes += [Answer(listener, s.id, int(i < acc_real)) for i, s in enumerate(real)]
        votes += [Answer(listener, s.id, int(i < acc_sampled)) for i, s in enumerate(sampled)]
    votes.append(Answer("A", "r0-n000-r00+", 1))  # not an evaluation stimulus: ignored
    t = evaluation_table(votes, real + sampled, resamples=500, seed=3)
    r, s = t["groups"]["real"], t["groups"]["sampled"]
    assert (r["stimuli"], r["votes"], r["accepts"], r["listeners"]) == (4, 12, 11, 3)
    assert (s["stimuli"], s["votes"], s["accepts"]) == (4, 12, 9)
    assert r["acceptance"] == 11 / 12 and s["acceptance"] == 9 / 12
    assert r["ci95_wilson"] == pytest.approx(list(wilson_interval(11, 12)))
    lo, hi = r["ci95_bootstrap"]
    assert 0.75 <= lo <= 11 / 12 <= hi <= 1.0  # listener rates are 1, 3/4 and 1
    assert t["difference"]["estimate"] == pytest.approx(9 / 12 - 11 / 12)
    assert t["difference"]["ci95_newcombe"] == pytest.approx(
        list(newcombe_difference(9, 12, 11, 12)))
    assert t["difference"]["ci95_bootstrap"][0] <= t["difference"]["estimate"] <= 0.0
    assert "listener-clustered" in t["intervals"]["ci95_bootstrap"]
    assert s["spread"]["mean_distance_to_centroid"] > r["spread"]["mean_distance_to_centroid"]
    assert t["votes_ignored"] == 1 and t["listeners"] == 3
    again = evaluation_table(votes, real + sampled, resamples=500, seed=3)
    assert again == t  # seeded


def test_one_listener_gets_wilson_only_and_says_so():
    real, sampled = _stimuli()
    votes = [Answer("A", s.id, 1) for s in real + sampled]
    t = evaluation_table(votes, real + sampled)
    assert t["groups"]["real"]["ci95_bootstrap"] is None
    assert t["difference"]["ci95_bootstrap"] is None
    assert t["intervals"]["ci95_bootstrap"] == "not computed: fewer than 2 listeners"
    empty = evaluation_table([], real + sampled)
    assert empty["groups"]["real"]["acceptance"] is None and empty["difference"]["estimate"] is None


def test_write_evaluation_json_and_csv(tmp_path):
    real, sampled = _stimuli()
    votes = [Answer(who, s.id, (i + len(who)) % 2) for who in ("A", "BB") for i, s in
             enumerate(real + sampled)]
    t = evaluation_table(votes, real + sampled, resamples=200)
    json_path, csv_path = write_evaluation(t, tmp_path / "exports", "ratings-A-123")
    assert json_path.name == "ratings-A-123-evaluation.json"
    doc = json.loads(json_path.read_text())
    assert doc["schema"] == "hd-desktop-evaluation" and doc["schema_version"] == 1
    assert doc["groups"] == t["groups"] and doc["csv"]["file"] == csv_path.name
    rows = list(csv.DictReader(csv_path.open()))
    assert [r["group"] for r in rows] == ["real", "sampled", "sampled-real"]
    assert float(rows[0]["estimate"]) == t["groups"]["real"]["acceptance"]
    assert float(rows[2]["ci95_lo"]) == t["difference"]["ci95_newcombe"][0]
    assert rows[2]["ci95_method"] == "newcombe" and rows[0]["sd_z2"] != ""


def test_make_evaluation_stimuli_is_seeded_and_named():
    rng = np.random.default_rng(0)
    real, samples = rng.normal(size=(30, 2)), rng.normal(size=(50, 2)) * 2
    a = make_evaluation_stimuli(real, samples, 8, seed=4, name="e1")
    assert a == make_evaluation_stimuli(real, samples, 8, seed=4, name="e1")
    assert a != make_evaluation_stimuli(real, samples, 8, seed=5, name="e1")
    assert [s.id for s in a[:2]] == ["eval-e1-real-000", "eval-e1-real-001"]
    assert a[8].id == "eval-e1-sample-000" and len({s.id for s in a}) == 16
    assert all(s.round == EVALUATION_ROUND for s in a)
    assert {s.role for s in a[:8]} == {Role.EVAL_REAL} and {s.role for s in a[8:]} == {
        Role.EVAL_SAMPLE}
    real_rows = {tuple(r) for r in real}
    assert all(s.z in real_rows for s in a[:8]) and len({s.z for s in a[:8]}) == 8
    with pytest.raises(ValueError, match="cannot draw 31"):
        make_evaluation_stimuli(real, samples, 31, seed=0)
