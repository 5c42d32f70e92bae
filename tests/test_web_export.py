"""`hd-desktop web export`: the study folder, its stimuli (the app's renders, bit for bit), its
lists and orders, and its JATOS archive."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile

import numpy as np
import pytest
import soundfile as sf

from hd_desktop.cli import main
from hd_desktop.design import DesignParams
from hd_desktop.design.order import adjacent_partners
from hd_desktop.design.stimulus import Role
from hd_desktop.lab import Lab
from hd_desktop.store import Experiment
from hd_desktop.voice import load_space
from hd_desktop.voice.build import run
from hd_desktop.web.export import export_steps
from hd_desktop.web.order import Mulberry32, fnv1a, make_lists, participant_seed, web_order
from hd_desktop.web.study import StudySettings, study_design


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    return load_space(cache_dir=tmp_path_factory.mktemp("space"))


@pytest.fixture(scope="module")
def lab(space, tmp_path_factory):
    lab = Lab(tmp_path_factory.mktemp("exp") / "exp", space)
    # the design's own 6 screening trials (the experiment's minimum is tested with the lab:
    # tests/test_lab_commands.py), so the lists here stay small
    lab.set_settings(screen_min=0)
    lab.create_round(DesignParams(n_anchors=6, m_neighbours=1, r_pairs=3, gold_rate=0.15, seed=4))
    yield lab
    lab.close()


def test_folder_holds_the_app_renders_bit_for_bit_and_names_every_stimulus(lab, space, tmp_path):
    out = tmp_path / "study"
    settings = StudySettings(round=0, carrier="sustained", trials=14, seed=7)
    result = run(export_steps(lab.experiment, space, settings, out))
    manifest = json.loads((out / "study.json").read_text())
    stored = lab.experiment.stimuli(round=0)
    assert [e["id"] for e in manifest["stimuli"]] == [s.id for s in stored
                                                      if s.role != Role.PRACTICE] + \
        [s.id for s in stored if s.role == Role.PRACTICE]
    assert manifest["practice"] == [s.id for s in stored if s.role == Role.PRACTICE]
    assert result.n_stimuli == len(stored) and result.study_id == manifest["study_id"]
    # design.json alone re-renders every stimulus: the files are the app's samples, bit for bit
    design = json.loads((out / "design.json").read_text())
    assert design["space"]["fingerprint"] == space.fingerprint
    carrier = design["render"]["carrier"]
    described = {d["id"]: d["z"] for d in design["stimuli"]}
    for entry in manifest["stimuli"]:
        data = (out / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        audio, rate = sf.read(out / entry["file"], dtype="float32")
        expected, expected_rate = space.render(described[entry["id"]], carrier)
        assert rate == expected_rate == manifest["sample_rate"]
        assert np.array_equal(audio, expected), entry["id"]  # the samples the app plays
    reference, _ = sf.read(out / manifest["reference"], dtype="float32")
    assert np.array_equal(reference, space.render([0.0] * space.dims, "sustained")[0])
    # the page gets the same manifest
    js = (out / "study.js").read_text()
    assert json.loads(js[len("window.HD_STUDY = "):].rstrip().rstrip(";")) == manifest
    # design.json names the round's design and every stimulus as stored
    assert design["rounds"] == [{"index": 0, "design": lab.experiment.rounds()[0]}]
    assert design["space"]["fingerprint"] == space.fingerprint
    assert design["render"]["carrier"] == "sustained"
    assert {d["id"]: tuple(d["z"]) for d in design["stimuli"]} == {s.id: s.z for s in stored}
    # jsPsych vendored with its licence, each file as recorded
    vendor = json.loads((out / "vendor/jspsych/VENDOR.json").read_text())
    assert {p["package"] for p in vendor["packages"]} >= {"jspsych", "@jspsych/plugin-preload"}
    for p in vendor["packages"]:
        assert p["license"] == "MIT"
        data = (out / "vendor/jspsych" / p["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == p["sha256"]
    assert "MIT License" in (out / "vendor/jspsych/LICENSE").read_text()


def test_no_page_file_names_a_url_outside_the_folder(lab, space, tmp_path):
    out = tmp_path / "study"
    run(export_steps(lab.experiment, space, StudySettings(round=0), out))
    html = (out / "index.html").read_text()
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs and all(not re.match(r"[a-z]+://", r) and not r.startswith("//") for r in refs)
    for r in refs:
        assert r.startswith("data:") or (out / r).is_file(), r
    for path in list(out.glob("*.js")) + list(out.glob("*.css")) + list(out.glob("vendor/**/*.js")):
        assert "sourceMappingURL" not in path.read_text(), path  # no map fetched from a CDN


def test_jatos_archive_follows_the_documented_jzip_layout(lab, space, tmp_path):
    out = tmp_path / "study"
    result = run(export_steps(lab.experiment, space, StudySettings(round=0), out,
                              end_url="https://example.org/done"))
    assert result.jzip == tmp_path / "study.jzip"
    with zipfile.ZipFile(result.jzip) as z:
        names = z.namelist()
        jas_names = [n for n in names if n.endswith(".jas")]
        assert len(jas_names) == 1 and "/" not in jas_names[0]
        jas = json.loads(z.read(jas_names[0]))
        data = jas["data"]
        assert jas["version"] == "3"
        assert {"uuid", "title", "dirName", "componentList", "batchList"} <= set(data)
        assert data["endRedirectUrl"] == "https://example.org/done"
        assert data["componentList"][0]["htmlFilePath"] == "index.html"
        # a reload goes on where the participant was (JATOS ends the run of a component that
        # is not reloadable)
        assert data["componentList"][0]["reloadable"] is True
        assert data["batchList"][0]["allowedWorkerTypes"]
        files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
        assert {n.split("/", 1)[1] for n in names if n.startswith(data["dirName"] + "/")} == files
        assert z.read(f"{data['dirName']}/study.json") == (out / "study.json").read_bytes()


def test_lists_keep_pairs_together_and_every_list_has_the_screening_trials(lab):
    trials = [s for s in lab.experiment.stimuli(round=0) if s.role != Role.PRACTICE]
    gold = {s.id for s in trials if s.role in (Role.GOLD_REAL, Role.GOLD_FAR)}
    lists = make_lists(trials, 12, seed=3)
    assert len(lists) > 1
    seen = [s.id for lst in lists for s in lst if s.id not in gold]
    assert sorted(seen) == sorted(s.id for s in trials if s.id not in gold)  # each once
    for lst in lists:
        assert gold <= {s.id for s in lst}
        pairs = [(s.neighbour, s.pair) for s in lst if s.role in (Role.NES_PLUS, Role.NES_MINUS)]
        assert all(pairs.count(p) == 2 for p in pairs)  # both halves, or neither
    assert make_lists(trials, 12, seed=3) == lists and make_lists(trials, 12, seed=4) != lists
    with pytest.raises(ValueError, match="no room"):
        make_lists(trials, len(gold) + 1, seed=3)


def test_web_order_keeps_pair_halves_apart_and_depends_only_on_the_seed(lab):
    trials = [s for s in lab.experiment.stimuli(round=0) if s.role != Role.PRACTICE]
    orders = set()
    for seed in range(200):
        order = web_order(trials, seed)
        assert sorted(s.id for s in order) == sorted(s.id for s in trials)
        assert adjacent_partners(order) == []
        orders.add(tuple(s.id for s in order))
    assert len(orders) > 150
    assert web_order(trials, 5) == web_order(trials, 5)
    # the generators are the published ones: FNV-1a and mulberry32 reference values
    assert fnv1a("") == 0x811C9DC5 and fnv1a("a") == 0xE40C292C
    assert Mulberry32(0).next_u32() == 1144304738  # (mulberry32(0)() * 2**32 in JavaScript)
    assert participant_seed(1, "P1") == fnv1a("1:P1")


def test_study_id_follows_the_settings_and_refuses_a_missing_round(lab):
    a = study_design(lab.experiment, StudySettings(round=0, trials=14, seed=7))
    assert study_design(lab.experiment, StudySettings(round=0, trials=14, seed=7)) == a
    assert study_design(lab.experiment, StudySettings(round=0, trials=14, seed=8)).study_id != \
        a.study_id
    from hd_desktop.errors import UserFacingError

    with pytest.raises(UserFacingError, match="round 3 is not in"):
        study_design(lab.experiment, StudySettings(round=3))


@pytest.mark.slow
def test_command_line_export_and_its_refusals(lab, tmp_path, capsys):
    folder = str(lab.folder)
    out = tmp_path / "cli-study"
    assert main(["web", "export", folder, "--round", "0", "--out", str(out), "--audio", "flac",
                 "--trials", "14"]) == 0
    printed = capsys.readouterr().out
    assert f"{out}: study " in printed and f"{out}.jzip: the same study for JATOS" in printed
    manifest = json.loads((out / "study.json").read_text())
    assert manifest["audio"] == "flac" and manifest["stimuli"][0]["file"].endswith(".flac")
    info = sf.info(out / manifest["stimuli"][0]["file"])
    assert info.format == "FLAC" and info.subtype == "PCM_24"

    assert main(["web", "export", folder, "--round", "0", "--out", str(out)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert main(["web", "export", folder, "--round", "5", "--out", str(tmp_path / "x")]) == 2
    assert "round 5 is not in" in capsys.readouterr().err
    assert main(["web", "export", folder, "--round", "0", "--out", str(tmp_path / "y"),
                 "--carrier", "whistle"]) == 2
    assert "--carrier whistle" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    assert Experiment.exists(lab.folder)
