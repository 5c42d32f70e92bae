"""`hd-desktop web export`: a round as a self-contained jsPsych study folder and a JATOS archive.

The folder works offline and from any static host: index.html, the trial code, jsPsych vendored
from npm with its licence, every stimulus rendered by the app's own `VoiceSpace.render` (WAV
float32 by default: the samples the app plays, bit for bit), `study.json` (the manifest: every
stimulus id, its file and checksum, the lists, the seeds), `study.js` (the same for the page) and
`design.json` (the round's design, the voice space and the seeds: enough to re-render every
stimulus). Beside it, `<folder>.jzip` holds the same files as a JATOS study archive.

    job = export_steps(exp, space, settings, out)   # a generator of Progress (GUI worker)
    result = run(job, progress)                     # headless (hd_desktop.voice.build.run)
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import secrets
import shutil
import uuid
import zipfile
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf

from hd_desktop import __version__
from hd_desktop.errors import UserFacingError
from hd_desktop.paths import ASSETS_DIR
from hd_desktop.store import codec
from hd_desktop.voice.build import Progress
from hd_desktop.web.study import RESULTS_SCHEMA_VERSION, SCHEMA, SCHEMA_VERSION, StudyDesign, \
    StudySettings, pair_tag, study_design

WEB_ASSETS = ASSETS_DIR / "web"
PAGE_FILES = ("index.html", "hd-study.js", "hd-study.css")
VENDOR_DIR = "vendor"
_UUID_NS = uuid.UUID("5b1f0c3e-8a4d-4e55-9d0e-2f6a1b7c9e31")


@dataclass(frozen=True)
class StudyExport:
    folder: Path
    jzip: Path
    study_id: str
    n_stimuli: int
    n_lists: int


def export_steps(exp, space, settings: StudySettings, out: str | Path,
                 title: str | None = None, end_url: str = "", screen_out_url: str = "",
                 ) -> Generator[Progress, None, StudyExport]:
    """Render and write the study of `settings.round`; yields progress, returns the export."""
    out = Path(out)
    bound = exp.space()
    if bound is None or bound[0] != space.fingerprint:
        raise UserFacingError(f"{exp.folder} was built on voice space "
                              f"{None if bound is None else bound[0][:12]}, the space given is "
                              f"{space.fingerprint[:12]}: its stimuli would sound different")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserFacingError(f"--out {out}: exists and is not an empty folder; choose a new one")
    study = study_design(exp, settings)
    furniture, check_seed = _furniture(exp, study, screen_out_url)
    yield Progress(0.0, f"Study {study.study_id}: rendering {len(study.stimuli) + 1} voices")
    tmp = out.with_name(out.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        (tmp / "stimuli").mkdir(parents=True)
        entries = []
        reference = _write_audio(tmp, "reference", space.render([0.0] * space.dims,
                                                                settings.carrier), settings.audio)
        for i, s in enumerate(study.stimuli):
            name, digest = _write_audio(tmp, f"s{i:05d}", space.render(s.z, settings.carrier),
                                        settings.audio)
            entries.append({"id": s.id, "role": s.role.value, "pair": pair_tag(s), "file": name,
                            "sha256": digest})
            if i % 20 == 0:
                yield Progress(0.05 + 0.85 * i / len(study.stimuli), f"Rendered {i} voices")
        if furniture["headphone"] is not None:
            yield Progress(0.9, "Rendering the headphone check")
            _write_headphone_check(tmp, furniture["headphone"], check_seed, settings.audio)
        manifest = _manifest(study, entries, reference[0], space.sample_rate, title)
        manifest.update(furniture)
        _write_text(tmp / "study.json", json.dumps(manifest, indent=1) + "\n")
        _write_text(tmp / "study.js", "window.HD_STUDY = " + json.dumps(manifest) + ";\n")
        sidecar = _sidecar(exp, study, space)
        sidecar["furniture"] = {k: v for k, v in furniture.items() if k != "texts"}
        sidecar["furniture"]["texts"] = {k: furniture["texts"][k] for k in ("language", "sha256")}
        _write_text(tmp / "design.json", json.dumps(sidecar, indent=1) + "\n")
        for name in PAGE_FILES:
            shutil.copyfile(WEB_ASSETS / name, tmp / name)
        shutil.copytree(WEB_ASSETS / VENDOR_DIR, tmp / VENDOR_DIR)
        _write_text(tmp / "README.txt", _readme(study, manifest))
        yield Progress(0.92, "Writing the JATOS study archive")
        jzip = out.with_name(out.name + ".jzip")
        _write_jzip(tmp, jzip, study, manifest["title"], end_url)
        if out.exists():
            out.rmdir()
        tmp.rename(out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UserFacingError(f"cannot write the study to {out} ({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    yield Progress(1.0, f"Study written to {out}")
    return StudyExport(folder=out, jzip=jzip, study_id=study.study_id,
                       n_stimuli=len(study.stimuli), n_lists=len(study.lists))


def _furniture(exp, study: StudyDesign, screen_out_url: str = "") -> tuple[dict, int | None]:
    """What the page shows before the trials: the experiment's listener texts in the study's
    language (kept in the experiment's store by checksum, as a session's are), its consent and
    questionnaire settings, and the headphone check (on by default online: the experiment's
    test, or the study's own choice), with the seed of the check (None: no check).

    The check's key (its seed, so where each odd sound is) is kept in the experiment, never in
    the study's files: the page gets only the digests of the answer sets that pass, salted, so
    it can stop a participant who fails without naming a right answer (docs/online-study.md).
    The import judges the check again from the answers, against the key kept here."""
    from hd_desktop.audio import headphone
    from hd_desktop.session import texts as listener_texts
    from hd_desktop.session.intake import IntakeSettings

    lab = IntakeSettings.from_stored(exp.lab_settings())
    s = study.settings
    texts = listener_texts.for_experiment(exp.folder, s.language or lab.language)
    sha = exp.save_texts(texts.language, texts.strings)
    test = s.headphone_check or lab.headphone_check
    check, seed = None, None
    if test in headphone.KINDS:
        key = exp.web_check_key(study.study_id, {"seed": secrets.randbelow(2**31),
                                                 "salt": secrets.token_hex(16)})
        seed, kind = int(key["seed"]), headphone.KINDS[test]
        expected = [t.answer for t in headphone.plan(test, seed)]
        passing = sorted(check_digest(key["salt"], answers)
                         for answers in itertools.product((1, 2, 3), repeat=kind.trials)
                         if sum(a == e for a, e in zip(answers, expected)) >= kind.pass_mark)
        # a failed check stops the participant when a failed check online leaves them out
        # (the experiment's `headphone_excludes_online`, on by default): their trials would
        # count for nothing
        stops = bool(exp.lab_settings().get("headphone_excludes_online", True))
        check = {"test": test, "pass_mark": kind.pass_mark, "n_trials": kind.trials,
                 "sound_s": 3 * headphone.SOUND_S + 2 * headphone.GAP_S,
                 "stops_on_fail": stops, "screen_out_url": screen_out_url,
                 "salt": key["salt"], "passing": passing,
                 "trials": [{"index": i} for i in range(kind.trials)]}
    return {"texts": {"language": texts.language, "sha256": sha, "strings": texts.strings},
            "consent": bool(lab.consent), "questionnaire": bool(lab.questionnaire),
            "headphone": check, "screen_out_url": screen_out_url,
            "results_schema_version": RESULTS_SCHEMA_VERSION}, seed


def check_digest(salt: str, answers) -> str:
    """What the page compares to tell a passing set of check answers (hd-study.js checkDigest)."""
    return hashlib.sha256(f"{salt}:{','.join(str(int(a)) for a in answers)}".encode()).hexdigest()


def _write_headphone_check(folder: Path, check: dict, seed: int, audio: str) -> None:
    """The check's trials as stereo files beside the voices (hd_desktop/audio/headphone.py),
    named by their place only."""
    from hd_desktop.audio import headphone

    (folder / "headphone").mkdir()
    for t, entry in zip(headphone.plan(check["test"], seed), check["trials"]):
        samples = headphone.render_trial(check["test"], t, seed)
        name, digest = _write_audio(folder, f"check-{t.index + 1}",
                                    (samples, headphone.RATE), audio, sub="headphone")
        entry.update(file=name, sha256=digest)


def _write_audio(folder: Path, stem: str, rendered, audio: str,
                 sub: str = "stimuli") -> tuple[str, str]:
    samples, rate = rendered
    buf = io.BytesIO()
    if audio == "wav":
        sf.write(buf, samples, rate, format="WAV", subtype="FLOAT")
    else:
        sf.write(buf, samples, rate, format="FLAC", subtype="PCM_24")
    data = buf.getvalue()
    name = f"{sub}/{stem}.{audio}"
    (folder / name).write_bytes(data)
    return name, hashlib.sha256(data).hexdigest()


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _vendor_versions() -> dict[str, str]:
    record = json.loads((WEB_ASSETS / VENDOR_DIR / "jspsych" / "VENDOR.json").read_text())
    return {p["package"]: p["version"] for p in record["packages"]}


def _manifest(study: StudyDesign, entries: list[dict], reference: str, rate: int,
              title: str | None) -> dict:
    s = study.settings
    return {
        "schema": SCHEMA, "schema_version": SCHEMA_VERSION, "study_id": study.study_id,
        "title": title or f"Is this voice natural? (round {s.round})",
        "experiment_id": study.experiment_id, "round": s.round, "carrier": s.carrier,
        "audio": s.audio, "sample_rate": rate, "seed": s.seed,
        "trials_per_participant": s.trials, "break_every": s.break_every,
        "app_version": __version__, "jspsych_version": _vendor_versions()["jspsych"],
        "reference": reference, "stimuli": entries,
        "practice": [p.id for p in study.practice],
        "lists": [[x.id for x in lst] for lst in study.lists],
    }


def _sidecar(exp, study: StudyDesign, space) -> dict:
    """design.json: what the rating-file sidecar carries for re-rendering, for this study."""
    s = study.settings
    design_seed = study.design.get("seed", (study.design.get("params") or {}).get("seed"))
    return {
        "schema": SCHEMA + "-design", "schema_version": SCHEMA_VERSION, "app_version": __version__,
        "experiment_id": study.experiment_id, "study_id": study.study_id,
        "space": {"fingerprint": space.fingerprint, "info": exp.space()[1]},
        "rounds": [{"index": s.round, "design": study.design}],
        "seeds": {"study": s.seed, "design": design_seed},
        "render": {"carrier": s.carrier, "sample_rate": space.sample_rate, "audio": s.audio,
                   "reference_z": [0.0] * space.dims},
        "stimuli": [codec.stimulus_to_json(x) for x in study.stimuli],
    }


def _write_jzip(folder: Path, jzip: Path, study: StudyDesign, title: str, end_url: str) -> None:
    """A JATOS study archive: the study assets folder and a .jas file (JATOS's documented JZIP).

    The component is reloadable: JATOS ends a study run (state FAIL) when a component marked
    otherwise is reloaded, while the page itself goes on after a reload at the first voice not
    yet answered (hd-study.js keeps the answers in the browser), as it does standalone."""
    dir_name = f"hd_{study.study_id}"
    ident = lambda what: str(uuid.uuid5(_UUID_NS, f"{study.study_id}:{what}"))  # noqa: E731
    jas = {"version": "3", "data": {
        "uuid": ident("study"), "title": title,
        "description": f"hd-desktop round {study.settings.round} of experiment "
                       f"{study.experiment_id}; study {study.study_id}",
        "groupStudy": False, "linearStudy": False, "allowPreview": False, "dirName": dir_name,
        "comments": "Results: download them in JATOS and run `hd-desktop import EXPERIMENT FILE`.",
        "jsonData": None, "endRedirectUrl": end_url, "studyEntryMsg": None,
        "componentList": [{"uuid": ident("component"), "title": "Listening trials",
                           "htmlFilePath": "index.html", "reloadable": True, "active": True,
                           "comments": "", "jsonData": None}],
        "batchList": [{"uuid": ident("batch"), "title": "Default", "active": True,
                       "maxActiveMembers": None, "maxTotalMembers": None, "maxTotalWorkers": None,
                       "allowedWorkerTypes": ["Jatos", "PersonalSingle", "PersonalMultiple",
                                              "GeneralSingle", "GeneralMultiple"],
                       "comments": None, "jsonData": None}]}}
    part = jzip.with_name(jzip.name + ".part")
    with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{dir_name}.jas", json.dumps(jas, indent=1))
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, f"{dir_name}/{p.relative_to(folder).as_posix()}")
    part.replace(jzip)


def _readme(study: StudyDesign, manifest: dict) -> str:
    return (f"{manifest['title']}\n\nhd-desktop online study {study.study_id}: round "
            f"{study.settings.round} of experiment {study.experiment_id}, "
            f"{len(study.stimuli)} voices, {len(study.lists)} list(s).\n\n"
            "Standalone: serve this folder from any static web server (for a test on this "
            "machine: `python3 -m http.server` here, then open http://localhost:8000/). "
            "Participants' answers download as a CSV at the end.\n"
            "JATOS: import the .jzip beside this folder. Prolific: add "
            "?PROLIFIC_PID={{%PROLIFIC_PID%}} to the study link.\n"
            "Bring the results back with `hd-desktop import EXPERIMENT FILE...`.\n"
            "jsPsych (MIT licence, vendor/jspsych/LICENSE): Joshua R. de Leeuw and "
            "contributors.\n")
