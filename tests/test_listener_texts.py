"""Listener texts: one table per language, checked, editable per experiment, recorded per session."""

from __future__ import annotations

import json
from datetime import datetime, timezone
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from hd_desktop.errors import UserFacingError
from hd_desktop.session import texts as lt
from hd_desktop.store import Experiment


def test_every_shipped_language_has_every_string_with_the_same_placeholders():
    english = lt.shipped("en")
    assert set(lt.shipped_languages()) >= {"en", "ja"}
    for language in lt.shipped_languages():
        t = lt.shipped(language)
        assert t.strings.keys() == english.strings.keys()
        for key, text in t.strings.items():
            assert lt.placeholders(text) == lt.placeholders(english.strings[key]), (language, key)
            assert text.strip(), (language, key)
    ja = lt.shipped("ja")
    assert ja("trial.header", n=3, total=40) == "音声 3 / 40"
    assert ja.strings["trial.accept"] != english.strings["trial.accept"]


def test_the_instructions_claim_no_recordings_every_voice_played_is_vocoded():
    # every stimulus is rendered from a point of the voice space through WORLD, real voices too
    for language in lt.shipped_languages():
        body = lt.shipped(language)("instructions.body")
        assert "recordings of real people" not in body
    assert "Every voice is made by a computer" in lt.shipped("en")("instructions.body")


def test_a_broken_table_is_refused_naming_the_file_and_keys(tmp_path):
    strings = dict(lt.shipped("en").strings)
    del strings["consent.agree"]
    strings["trial.header"] = "Voice {number}"          # a renamed placeholder
    strings["not.a.key"] = "?"
    path = lt.experiment_file(tmp_path, "en")
    path.write_text(json.dumps({"schema": 1, "language": "en", "strings": strings}))
    with pytest.raises(UserFacingError) as err:
        lt.for_experiment(tmp_path, "en")
    message = str(err.value)
    assert str(path) in message and "consent.agree" in message and "not.a.key" in message
    assert "trial.header must use exactly {n}, {total}" in message
    path.write_text("{not json")
    with pytest.raises(UserFacingError, match="cannot be read as listener texts"):
        lt.for_experiment(tmp_path, "en")


def test_an_experiment_reads_its_own_copy_and_the_store_keeps_what_it_ran_with(tmp_path):
    path = lt.write_for_editing(tmp_path, "ja")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["strings"]["consent.body"] = "<p>東京の研究室の同意文です。</p>"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert lt.write_for_editing(tmp_path, "ja") == path          # an edited copy is kept
    t = lt.for_experiment(tmp_path, "ja")
    assert t("consent.body") == "<p>東京の研究室の同意文です。</p>"
    assert lt.for_experiment(tmp_path, "en").strings == lt.shipped("en").strings
    with Experiment.open(tmp_path / "exp") as exp:
        sha = exp.save_texts(t.language, t.strings)
        assert sha == t.sha256
        assert exp.texts(sha) == ("ja", t.strings)


def test_a_rating_file_says_word_for_word_what_its_listener_read(tmp_path):
    from helpers.experiments import make_experiment

    from hd_desktop.store import SessionKind, write_rating_file

    exp, stimuli = make_experiment(tmp_path / "e")
    strings = {**lt.shipped("ja").strings, "consent.body": "<p>東京の研究室の同意文です。</p>"}
    sha = exp.save_texts("ja", strings)
    sid = exp.start_session("ana", SessionKind.TRIALS, [stimuli[0].id], 1,
                            settings={"texts_sha256": sha})
    now = datetime.now(timezone.utc)
    exp.record_vote(sid, 0, stimuli[0].id, 1, 400.0, 1, now, now)
    _, sidecar = write_rating_file(exp, sid, tmp_path / "out")
    read = json.loads(sidecar.read_text(encoding="utf-8"))["listener_texts"]
    assert read == {"sha256": sha, "language": "ja", "strings": strings}
    exp.close()
