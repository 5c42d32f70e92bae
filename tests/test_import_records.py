"""An import never loses an answer: what a listener said before the trials (consent,
questionnaire, headphone check) and the researcher's decisions about that listener travel with
the rating file from one workstation to another, unchanged, once, and checked."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from helpers.importing import T0, designed_experiment, read_pair, write_pair

from hd_desktop.cli import main
from hd_desktop.design.order import session_order
from hd_desktop.errors import BadInputError
from hd_desktop.store import Experiment, SessionKind, import_rating_files, write_rating_file
from hd_desktop.store import tables
from hd_desktop.store.decisions import Action, in_force
from hd_desktop.store.votes import NewVote
from hd_desktop.store.writelock import StoreWriteError

TEXTS = ("ja", {"consent.text": "この研究に参加します", "trial.natural": "自然"})


def _workstation_a(folder: Path) -> tuple[Experiment, str]:
    """Listener ana at workstation A: consent, questionnaire, headphone check, 6 votes; then
    the researcher excludes her, with a reason."""
    exp, stimuli = designed_experiment(folder)
    sha = exp.save_texts(*TEXTS)
    exp.add_listener_record("ana", "consent", {"given": True, "language": "ja",
                                               "text_sha256": sha}, at=T0)
    exp.add_listener_record("ana", "questionnaire",
                            {"age_band": "20_29", "hearing_problems": "no",
                             "output": "headphones", "native_language": "日本語",
                             "language": "ja", "text_sha256": sha}, at=T0 + timedelta(seconds=5))
    exp.add_listener_record("ana", "headphone_check",
                            {"test": "huggins", "score": 5, "n_trials": 6, "passed": True,
                             "seed": 99, "answers": [1, 2, 3, 1, 2, 2], "text_sha256": sha},
                            at=T0 + timedelta(seconds=40))
    order = session_order(stimuli, 7)[:6]
    sid = exp.start_session("ana", SessionKind.TRIALS, [s.id for s in order], 7, "Dummy Out",
                            -6.0, settings={"texts_sha256": sha})
    exp.record_votes(sid, [NewVote(i, s.id, i % 2, 400.0, 1, T0 + timedelta(minutes=1, seconds=i),
                                   T0 + timedelta(minutes=1, seconds=i, milliseconds=400),
                                   "Dummy Out", -6.0) for i, s in enumerate(order)])
    exp.finish_session(sid)
    exp.decide("listener", "ana", "exclude", "said afterwards she had a cold",
               at=T0 + timedelta(hours=1))
    return exp, sid


@pytest.fixture
def exported(tmp_path):
    """(A's experiment, A's rating file CSV, B's folder)."""
    exp, sid = _workstation_a(tmp_path / "A")
    csv_path, _ = write_rating_file(exp, sid, tmp_path / "out")
    yield exp, csv_path, tmp_path / "B"
    exp.close()


def _records(exp: Experiment) -> list[tuple]:
    return [(r.id, r.listener, r.session_id, r.kind.value,
             json.dumps(r.data, sort_keys=True, ensure_ascii=False), r.recorded_at,
             r.app_version) for r in exp.listener_records()]


def _tables(exp: Experiment) -> dict[str, bytes]:
    made = [tables.record_table(exp, k) for k in ("consent", "questionnaire", "headphone_check")]
    made += [tables.decisions_table(exp), tables.sessions_table(exp), tables.votes_table(exp)]
    return {t.file_name: tables.csv_bytes(t.header, t.rows) for t in made}


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def test_workstation_b_holds_the_listeners_records_and_the_decision_in_force(exported):
    a, csv_path, b_folder = exported
    report = import_rating_files(b_folder, [csv_path])
    assert (report.new_votes, report.new_records, report.new_decisions) == (6, 3, 1)
    with Experiment.open(b_folder, create=False) as b:
        assert _records(b) == _records(a) and len(_records(b)) == 3
        assert b.decisions() == a.decisions()
        decision = in_force(b.decisions())[next(iter(in_force(b.decisions())))]
        assert (decision.action, decision.reason) == (Action.EXCLUDE,
                                                      "said afterwards she had a cold")
        assert b.exclusions() == a.exclusions() and b.exclusions().listeners == {"ana"}
        assert b.texts(a.session(report_sid(a)).settings["texts_sha256"]) == TEXTS
        assert _tables(b) == _tables(a)
        from hd_desktop.lab.exports import export_study
        study_a, study_b = export_study(a, a.folder / "study"), export_study(b, b_folder / "study")
        made = [p.name for p in study_a if p.suffix == ".csv" and p.parent.name == "study"
                and not p.name.startswith("ratings-")]
        assert {"consent.csv", "decisions.csv", "headphone-check.csv"} <= set(made)
        assert made == [p.name for p in study_b if p.suffix == ".csv" and
                        p.parent.name == "study" and not p.name.startswith("ratings-")]
        assert all((a.folder / "study" / n).read_bytes() == (b_folder / "study" / n).read_bytes()
                   for n in made)
    again = import_rating_files(b_folder, [csv_path])     # importing twice adds nothing
    assert (again.new_votes, again.new_records, again.new_decisions) == (0, 0, 0)
    with Experiment.open(b_folder, create=False) as b:
        assert _records(b) == _records(a) and b.decisions() == a.decisions()


def report_sid(exp: Experiment) -> str:
    return exp.sessions()[0].id


def test_b_exports_them_again_and_a_takes_the_file_back_without_a_copy(exported, tmp_path):
    a, csv_path, b_folder = exported
    import_rating_files(b_folder, [csv_path])
    with Experiment.open(b_folder, create=False) as b:
        back, _ = write_rating_file(b, report_sid(b), tmp_path / "back")
    report = import_rating_files(a.folder, [back])
    assert (report.new_records, report.new_decisions) == (0, 0)
    assert len(a.listener_records()) == 3 and len(a.decisions()) == 1


def _edit(csv_path: Path, change) -> None:
    sidecar, rows = read_pair(csv_path)
    change(sidecar)
    write_pair(csv_path, sidecar, rows)


def _refused(csv_path: Path, folder: Path, match: str) -> None:
    before = _digest(folder) if folder.exists() else None
    with pytest.raises(BadInputError, match=match) as info:
        import_rating_files(folder, [csv_path])
    assert csv_path.name in str(info.value) or csv_path.with_suffix(".json").name in \
        str(info.value)
    assert (_digest(folder) if folder.exists() else None) == before


def test_an_edited_questionnaire_answer_is_refused_in_words(exported):
    _, csv_path, b_folder = exported

    def change(sc):
        record = next(r for r in sc["listener_records"] if r["kind"] == "questionnaire")
        record["data"]["hearing_problems"] = "yes"
    _edit(csv_path, change)
    _refused(csv_path, b_folder, "questionnaire .*edited")


def test_a_forged_decision_is_refused_in_words(exported):
    _, csv_path, b_folder = exported
    _edit(csv_path, lambda sc: sc["decisions"][0].update(action="include"))
    _refused(csv_path, b_folder, "decision .*edited")


def test_listener_texts_that_do_not_match_their_checksum_are_refused(exported):
    _, csv_path, b_folder = exported
    _edit(csv_path, lambda sc: sc["listener_texts"]["strings"].update(
        {"consent.text": "I agree to anything"}))
    _refused(csv_path, b_folder, "listener texts .*checksum")


def test_a_record_stored_with_other_content_is_refused_and_b_left_as_it_was(exported, tmp_path):
    a, csv_path, b_folder = exported
    import_rating_files(b_folder, [csv_path])
    other = tmp_path / "other"
    shutil.copytree(csv_path.parent, other)
    copy = other / csv_path.name

    def change(sc):     # a consistent forgery: the record's checksum recomputed
        from hd_desktop.store.ratingfile import record_checksum
        record = next(r for r in sc["listener_records"] if r["kind"] == "consent")
        record["data"]["given"] = False
        record["sha256"] = record_checksum(record)
    _edit(copy, change)
    _refused(copy, b_folder, "consent .*other content")


def test_an_older_rating_file_without_records_or_decision_ids_still_imports(exported):
    a, csv_path, b_folder = exported

    def older(sc):      # as written before records travelled: decisions had no id
        sc.pop("listener_records")
        for row in sc["decisions"] + sc["excluded"]:
            row.pop("decision_id")
            row.pop("sha256")
    _edit(csv_path, older)
    report = import_rating_files(b_folder, [csv_path])
    assert (report.new_votes, report.new_records, report.new_decisions) == (6, 0, 1)
    with Experiment.open(b_folder, create=False) as b:
        assert b.exclusions().listeners == {"ana"}
        kept = b.decisions()[0]
        assert (kept.reason, kept.decided_at, kept.app_version) == (
            a.decisions()[0].reason, a.decisions()[0].decided_at, a.decisions()[0].app_version)
    assert import_rating_files(b_folder, [csv_path]).new_decisions == 0

    def oldest(sc):     # before decisions travelled at all
        for key in ("decisions", "excluded", "simulated", "listener_texts"):
            sc.pop(key, None)
    _edit(csv_path, oldest)
    report = import_rating_files(b_folder.with_name("C"), [csv_path])
    assert (report.new_votes, report.new_records, report.new_decisions) == (6, 0, 0)


def test_a_later_decision_at_b_stays_in_force_and_the_import_says_so(exported):
    a, csv_path, b_folder = exported
    # B has ana's session already (an earlier file), and its researcher took her back in later
    import_rating_files(b_folder, [csv_path])
    with Experiment.open(b_folder, create=False) as b:
        b.decide("listener", "ana", "include", "the cold was a week before",
                 at=T0 + timedelta(hours=3))
    a.decide("session", report_sid(a), "exclude", "fire alarm during the session",
             at=T0 + timedelta(hours=2))
    a.decide("listener", "ana", "include", "checked with her", at=T0 + timedelta(hours=2))
    again, _ = write_rating_file(a, report_sid(a), csv_path.parent)
    report = import_rating_files(b_folder, [again])
    assert report.new_decisions == 2
    with Experiment.open(b_folder, create=False) as b:
        current = in_force(b.decisions())
        listener = [d for (t, i), d in current.items() if t.value == "listener"][0]
        assert listener.reason == "the cold was a week before"       # B's later one stays
        assert b.exclusions().sessions == {report_sid(a)}             # A's newer one applies
        assert len(b.decisions()) == 4
    assert any("the cold was a week before" in n and "stays in force" in n
               for n in report.decision_notes)
    assert any("fire alarm" in n and "now in force" in n for n in report.decision_notes)


def test_the_import_command_says_how_many_records_and_decisions_it_stored(exported, capsys):
    _, csv_path, b_folder = exported
    assert main(["import", "--create", str(b_folder), str(csv_path)]) == 0
    out = capsys.readouterr().out
    assert "6 new vote(s)" in out and "3 listener record(s)" in out and "1 decision(s)" in out


def test_an_import_stopped_before_the_records_is_completed_by_importing_again(exported,
                                                                              monkeypatch):
    a, csv_path, b_folder = exported

    def full_disk(self, *args, **kwargs):
        raise StoreWriteError("the disk is full")
    with monkeypatch.context() as m:
        m.setattr(Experiment, "add_imported_records", full_disk)
        with pytest.raises(StoreWriteError, match="importing the same files again completes it"):
            import_rating_files(b_folder, [csv_path])
    with Experiment.open(b_folder, create=False) as b:
        assert b.sessions() and b.listener_records() == [] and b.decisions() == []
    report = import_rating_files(b_folder, [csv_path])
    assert (report.new_votes, report.new_records, report.new_decisions) == (6, 3, 1)
    with Experiment.open(b_folder, create=False) as b:
        assert _records(b) == _records(a) and b.decisions() == a.decisions()


def test_two_sessions_of_one_listener_bring_her_records_and_decisions_once(exported, tmp_path):
    a, csv_path, b_folder = exported
    first = a.sessions()[0]
    second = a.start_session("ana", SessionKind.TRIALS, first.order[:2], 8, "Dummy Out", -6.0)
    a.record_votes(second, [NewVote(0, first.order[0], 1, 300.0, 1, T0 + timedelta(hours=2),
                                    T0 + timedelta(hours=2, seconds=1), "Dummy Out", -6.0)])
    a.decide("session", second, "exclude", "fire alarm", at=T0 + timedelta(hours=2))
    other, _ = write_rating_file(a, second, tmp_path / "out2")
    sidecar, _ = read_pair(other)
    assert len(sidecar["listener_records"]) == 3 and len(sidecar["decisions"]) == 2
    report = import_rating_files(b_folder, [csv_path, other])
    assert (report.new_votes, report.new_records, report.new_decisions) == (7, 3, 2)
    with Experiment.open(b_folder, create=False) as b:
        assert _records(b) == _records(a) and b.decisions() == a.decisions()
        assert b.exclusions() == a.exclusions()
