"""The codebook: what every column of every exported table means, as a Frictionless Data Package.

Each table kind lists its columns (name, Table Schema type, description, unit, codes). A study
export describes the CSV files it wrote in one `datapackage.json`: a Table Schema per file,
codes as `constraints.enum` with a label for each code (`categories`, Data Package v2), units
in a `unit` property. R (`frictionless::read_package`) and Python (`frictionless`) read it;
pandas and `read.csv` read the CSVs directly (docs/codebook.md shows both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from hd_desktop.design.stimulus import Role
from hd_desktop.store.records import SessionKind

CODEBOOK_VERSION = 1
UNITS = "voice-space units: one unit = one SD of the real voices along that axis"
TRUE, FALSE = "true", "false"        # how the tables write booleans


@dataclass(frozen=True)
class Column:
    name: str
    type: str                                   # Table Schema: string integer number boolean datetime
    description: str
    unit: str | None = None
    codes: tuple[tuple[Any, str], ...] = ()     # (value, meaning)

    def field(self) -> dict[str, Any]:
        """This column as a Table Schema field descriptor."""
        out: dict[str, Any] = {"name": self.name, "type": self.type,
                               "description": self.description}
        if self.type == "datetime":
            out["format"] = "any"               # ISO 8601 with microseconds and +00:00
        if self.type == "boolean":
            out["trueValues"], out["falseValues"] = [TRUE], [FALSE]
        if self.unit:
            out["unit"] = self.unit
        if self.codes:
            out["constraints"] = {"enum": [v for v, _ in self.codes]}
            out["categories"] = [{"value": v, "label": label} for v, label in self.codes]
        return out


@dataclass(frozen=True)
class TableKind:
    name: str                       # resource name, and the file's stem for study tables
    title: str
    description: str
    columns: tuple[Column, ...]
    patterns: tuple[tuple[str, Column], ...] = ()   # regex with one group (axis) -> template
    open_ended: str | None = None   # tables whose extra columns are a record's own data fields

    def column(self, name: str) -> Column:
        """The description of `name`; an undescribed column is a bug (KeyError)."""
        for c in self.columns:
            if c.name == name:
                return c
        for pattern, template in self.patterns:
            m = re.fullmatch(pattern, name)
            if m:
                return replace(template, name=name,
                               description=template.description.format(axis=m.group(1)))
        if self.open_ended:
            return Column(name, "string", self.open_ended.format(name=name))
        raise KeyError(f"the codebook has no column {name!r} in table {self.name!r}")


def _yes(what: str) -> str:
    return f"true if {what}, false if not"


def _col(name, type_, description, unit=None, codes=()) -> Column:
    return Column(name, type_, description, unit, tuple(codes))


ROLE_CODES = (
    (Role.NES_PLUS.value, "x + delta_r: first half of an antithetic NES pair"),
    (Role.NES_MINUS.value, "x - delta_r: second half of the pair (same neighbour and pair)"),
    (Role.GOLD_REAL.value, "screening: a real voice, expected to be accepted"),
    (Role.GOLD_FAR.value, "screening: a voice far outside the real ones, expected rejected"),
    (Role.PRACTICE.value, "practice before the trials, never counted"),
    (Role.EVAL_REAL.value, "evaluation set: a real voice"),
    (Role.EVAL_SAMPLE.value, "evaluation set: a voice sampled from the model"),
)
KIND_CODES = (
    (SessionKind.TRIALS.value, "a listener's trials (their votes feed the model)"),
    (SessionKind.PRACTICE.value, "practice only (never counted)"),
    (SessionKind.EVALUATION.value, "an evaluation session: real and sampled voices rated blind"),
    (SessionKind.SIMULATED.value, "a simulated listener's votes (tests and demos, not people)"),
)
HUGGINS = "Huggins pitch (Milne et al. 2021): a pitch heard only over headphones"
ANTIPHASE = "antiphase (Woods et al. 2017): the quietest of three tones, one in antiphase"
RESPONSE_CODES = ((1, "natural (accepted)"), (0, "not natural (rejected)"))

# the columns of a rating file (store/ratingfile.py), in its order; z1..zk by pattern
RATING_COLUMNS = (
    _col("vote_id", "string", "unique id of the vote"),
    _col("listener_id", "string", "the listener's id as typed at the start of the session"),
    _col("session_id", "string", "the session (one sitting of one listener)"),
    _col("session_kind", "string", "what the session was for", codes=KIND_CODES),
    _col("trial_index", "integer", "position of the trial in the session's order, from 0 "
         "(practice trials included)"),
    _col("stimulus_id", "string", "the stimulus played (its id names round, neighbour and pair)"),
    _col("round", "integer", "the round whose design made the stimulus, from 0; -1 marks an "
         "evaluation trial (evaluation sets belong to no round)"),
    _col("role", "string", "why the stimulus is in the design", codes=ROLE_CODES),
    _col("neighbour", "integer", "index of the neighbour x_(n,m) within its round (NES roles "
         "only, else empty)"),
    _col("pair", "integer", "r: index of the perturbation delta_r within its neighbour (NES "
         "roles only, else empty)"),
    _col("seed", "integer", "seed of the draw that made the stimulus (for re-rendering)"),
    _col("response", "integer", "the listener's answer", codes=RESPONSE_CODES),
    _col("rt_ms", "number", "reaction time from the onset of the play the listener answered",
         unit="ms"),
    _col("n_plays", "integer", "how many times the stimulus was played before the answer"),
    _col("presented_at", "datetime", "onset of the first play (ISO 8601, UTC)"),
    _col("responded_at", "datetime", "time of the answer (ISO 8601, UTC)"),
    _col("device", "string", "the audio output device (online: 'web (hosting): user agent')"),
    _col("gain_db", "number", "output gain set at the level check (empty online)", unit="dB"),
    _col("app_version", "string", "hd-desktop version that recorded the vote"),
    _col("undone_at", "datetime", "when the listener took the vote back (ISO 8601, UTC); empty: "
         "the vote stands. An undone vote is followed by the vote that replaced it"),
)
Z_PATTERN = (r"z(\d+)", _col("z", "number", "coordinate {axis} of the stimulus in the voice "
                              "space", unit=UNITS))

EXCLUSION_COLUMNS = (
    _col("listener_excluded", "boolean", _yes("the listener is excluded now by a decision "
                                              "(decisions.csv)")),
    _col("session_excluded", "boolean", _yes("the session is excluded now by a decision")),
    _col("excluded", "boolean", "listener_excluded or session_excluded: leave the row out of "
                                "an analysis"),
)

VOTES = TableKind(
    "votes", "Every vote of the experiment",
    "One row per vote across all sessions (tidy, long format): the rating files' columns, then "
    "flags. Keep rows with undone = false and excluded = false for an analysis; round -1 marks "
    "evaluation trials, session_kind practice and simulated are not people's trial votes.",
    RATING_COLUMNS + (
        _col("undone", "boolean", _yes("the listener took the vote back (undone_at is set)")),
        _col("evaluation", "string", "name of the evaluation set the stimulus belongs to "
                                     "(evaluation trials only, else empty)"),
    ) + EXCLUSION_COLUMNS,
    patterns=(Z_PATTERN,))

RATINGS = TableKind(
    "ratings", "One session's rating file",
    "The votes of one session, undone ones included (rating file, versioned format "
    "hd-desktop-ratings; its JSON sidecar holds the design, voice space and seeds, the "
    "listener's consent, questionnaire and headphone check, and the decisions about the "
    "session and its listener). Other workstations merge these with `hd-desktop import`, "
    "records and decisions included.",
    RATING_COLUMNS, patterns=(Z_PATTERN,))

SESSIONS = TableKind(
    "sessions", "Every session",
    "One row per session: who, what kind, when, where it ran and what the listener read.",
    (
        _col("session_id", "string", "unique id of the session"),
        _col("listener_id", "string", "the listener's id (as in votes.csv)"),
        _col("session_kind", "string", "what the session was for", codes=KIND_CODES),
        _col("source", "string", "where the session ran",
             codes=(("workstation", "in the app, at a workstation"),
                    ("web", "online, imported from a web study"))),
        _col("started_at", "datetime", "start of the session (ISO 8601, UTC)"),
        _col("finished_at", "datetime", "end of the session (ISO 8601, UTC); empty: not finished"),
        _col("trials", "integer", "length of the session's trial order"),
        _col("votes", "integer", "standing votes (not undone)"),
        _col("undone_votes", "integer", "votes the listener took back"),
        _col("order_seed", "integer", "seed of the session's trial order"),
        _col("device", "string", "the audio output device"),
        _col("gain_db", "number", "output gain set at the level check", unit="dB"),
        _col("carrier", "string", "how voices were rendered",
             codes=(("sustained", "one voiced frame held for 1 s"),
                    ("sentence", "a real utterance with the voice's envelope and pitch"))),
        _col("language", "string", "language of the listener texts the session ran with "
                                   "(empty: the built-in English of older versions)"),
        _col("texts_sha256", "string", "checksum of the listener texts the session ran with "
                                       "(kept in the experiment)"),
    ) + EXCLUSION_COLUMNS)

RECORD_COLUMNS = (
    _col("record_id", "string", "unique id of the record"),
    _col("listener_id", "string", "the listener's id (as in votes.csv)"),
    _col("session_id", "string", "the session it was given in (empty: none)"),
    _col("recorded_at", "datetime", "when it was recorded (ISO 8601, UTC)"),
    _col("app_version", "string", "hd-desktop version that recorded it"),
)
OPEN_ENDED = ("field {name!r} of the record as the page stored it (not described by this "
              "version of hd-desktop; lists and objects as JSON text)")

CONSENT = TableKind(
    "consent", "Consent decisions",
    "One row per consent decision (no consent, no trials).",
    RECORD_COLUMNS + (
        _col("given", "boolean", _yes("the listener agreed to take part")),
        _col("text_sha256", "string", "checksum of the listener texts (with the consent text) "
                                      "shown; see sessions.csv texts_sha256"),
    ) + EXCLUSION_COLUMNS[:1], open_ended=OPEN_ENDED)

QUESTIONNAIRE = TableKind(
    "questionnaire", "Questionnaire answers",
    "One row per questionnaire a listener answered.",
    RECORD_COLUMNS + (
        _col("age_band", "string", "the listener's age band, as chosen", unit="years",
             codes=(("under_20", "under 20"), ("20_29", "20-29"), ("30_39", "30-39"),
                    ("40_49", "40-49"), ("50_59", "50-59"), ("60_plus", "60 or older"),
                    ("no_answer", "prefer not to say"))),
        _col("hearing_problems", "string", "does the listener report hearing problems",
             codes=(("yes", "yes"), ("no", "no"), ("no_answer", "prefer not to say"))),
        _col("output", "string", "what the listener listened with",
             codes=(("headphones", "headphones"), ("loudspeakers", "loudspeakers"))),
        _col("native_language", "string", "native language, as the listener typed it"),
    ) + EXCLUSION_COLUMNS[:1], open_ended=OPEN_ENDED)

HEADPHONE_CHECK = TableKind(
    "headphone-check", "Headphone checks",
    "One row per headphone check a listener took before the trials.",
    RECORD_COLUMNS + (
        _col("test", "string", "which headphone test was run",
             codes=(("huggins", HUGGINS), ("antiphase", ANTIPHASE))),
        _col("score", "integer", "trials answered right"),
        _col("n_trials", "integer", "number of trials in the check"),
        _col("passed", "boolean", _yes("the score reached the test's pass mark")),
        _col("seed", "integer", "seed of the check's stimuli and order"),
    ) + EXCLUSION_COLUMNS[:1], open_ended=OPEN_ENDED)

SCREENING = TableKind(
    "screening", "Screening with gold trials",
    "One row per listener with votes in trials or simulated sessions: their answers on the "
    "gold (screening) trials and what screening decides (engine/screening.py), over every "
    "standing vote, excluded sessions included.",
    (
        _col("listener_id", "string", "the listener's id (as in votes.csv)"),
        _col("votes", "integer", "standing votes in trials and simulated sessions"),
        _col("gold_answers", "integer", "standing votes on gold trials (gold-real, gold-far)"),
        _col("gold_right", "integer", "gold answers as expected (gold-real accepted, gold-far "
                                      "rejected)"),
        _col("gold_share", "number", "gold_right / gold_answers (empty: no gold answer)",
             unit="proportion"),
        _col("threshold", "number", "the share needed to pass (the engine's screen_threshold)",
             unit="proportion"),
        _col("min_gold", "integer", "gold answers needed before screening judges a listener"),
        _col("judged", "boolean", _yes("gold_answers reached min_gold")),
        _col("passed", "boolean", "judged and gold_share reached the threshold (empty: not "
                                  "judged)"),
        _col("kept", "boolean", _yes("the researcher keeps the listener despite screening "
                                     "(the Engine tab's 'use' box)")),
        _col("used", "boolean", "screening lets the engine use the votes: not judged, passed "
                                "or kept"),
    ) + EXCLUSION_COLUMNS[:1])

DECISIONS = TableKind(
    "decisions", "Decisions about data",
    "Every exclusion and re-inclusion of a listener or session, oldest first; nothing is ever "
    "deleted. The latest decision for a target (by decided_at) is the one in force, wherever "
    "it was made: a decision imported from another workstation keeps its id, time and reason, "
    "and does not override a later one made here.",
    (
        _col("decision_id", "string", "unique id of the decision"),
        _col("target", "string", "what the decision is about",
             codes=(("listener", "a listener: all their sessions"), ("session", "one session"))),
        _col("target_id", "string", "the listener id or session id"),
        _col("action", "string", "what was decided",
             codes=(("exclude", "leave the target's votes out"),
                    ("include", "take them in again (undoes an exclusion)"))),
        _col("reason", "string", "the researcher's reason"),
        _col("decided_at", "datetime", "when it was decided (ISO 8601, UTC)"),
        _col("app_version", "string", "hd-desktop version that recorded it"),
        _col("in_force", "boolean", _yes("it is the latest decision for its target")),
    ))

EVALUATION_SUMMARY = TableKind(
    "evaluation", "Evaluation summary",
    "Evaluation 2 of one evaluation set: acceptance of real and sampled voices with 95% "
    "intervals, their difference, and each group's spread (engine/evaluation.py; the JSON "
    "beside it holds the same with every detail). One row per group, then the difference.",
    (
        _col("group", "string", "what the row summarises",
             codes=(("real", "the real voices of the set"),
                    ("sampled", "the sampled voices of the set"),
                    ("sampled-real", "the difference of acceptance, sampled minus real"))),
        _col("stimuli", "integer", "number of voices in the group"),
        _col("votes", "integer", "standing votes on the group's voices"),
        _col("accepts", "integer", "votes 'natural' (response 1)"),
        _col("listeners", "integer", "listeners who voted on the group (difference row: on "
                                     "either)"),
        _col("estimate", "number", "acceptance accepts / votes (difference row: sampled - real)",
             unit="proportion"),
        _col("ci95_lo", "number", "lower end of the 95% interval of the estimate",
             unit="proportion"),
        _col("ci95_hi", "number", "upper end of the 95% interval of the estimate",
             unit="proportion"),
        _col("ci95_method", "string", "how ci95_lo and ci95_hi were computed",
             codes=(("wilson", "Wilson score interval"),
                    ("newcombe", "Newcombe hybrid score interval of a difference"))),
        _col("bootstrap_lo", "number", "lower end of the listener-clustered percentile "
                                       "bootstrap 95% interval (empty: fewer than 2 listeners)",
             unit="proportion"),
        _col("bootstrap_hi", "number", "upper end of that interval", unit="proportion"),
        _col("mean_distance_to_centroid", "number", "spread: mean distance of the group's voices "
                                                    "to their centroid", unit=UNITS),
    ),
    patterns=((r"sd_z(\d+)", _col("sd_z", "number", "standard deviation (ddof 1) of the group's "
                                                     "voices along axis {axis}", unit=UNITS)),))

# the study tables, in the order a study export writes them; then the per-file kinds
STUDY_TABLES = (VOTES, SESSIONS, CONSENT, QUESTIONNAIRE, HEADPHONE_CHECK, SCREENING, DECISIONS)
KINDS = {k.name: k for k in STUDY_TABLES + (RATINGS, EVALUATION_SUMMARY)}
RECORD_KINDS = {"consent": CONSENT, "questionnaire": QUESTIONNAIRE,
                "headphone_check": HEADPHONE_CHECK}


def known_fields(kind: TableKind) -> list[str]:
    """A record table's own data fields, in codebook order (its first columns excluded)."""
    skip = {c.name for c in RECORD_COLUMNS + EXCLUSION_COLUMNS}
    return [c.name for c in kind.columns if c.name not in skip]


def resource_name(text: str) -> str:
    """A Data Package resource name: lower case letters, digits, '-', '_', '.'."""
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-") or "table"


def table_schema(kind: TableKind, header: list[str]) -> dict[str, Any]:
    """The Table Schema of a CSV of `kind` whose header is `header`."""
    return {"fields": [kind.column(name).field() for name in header], "missingValues": [""]}


def resource(kind: TableKind, path: str, header: list[str], *, name: str | None = None,
             title: str | None = None) -> dict[str, Any]:
    """A tabular data resource for one written CSV file."""
    out = {"name": resource_name(name or kind.name), "path": path,
           "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
           "encoding": "utf-8", "title": title or kind.title, "description": kind.description,
           "hd_desktop_table": kind.name,
           "schema": table_schema(kind, header)}
    key = {"votes": "vote_id", "sessions": "session_id", "decisions": "decision_id",
           "ratings": "vote_id", "screening": "listener_id"}.get(kind.name)
    if key is None and kind.name in {k.name for k in RECORD_KINDS.values()}:
        key = "record_id"
    if key:
        out["schema"]["primaryKey"] = [key]
    return out


def datapackage(resources: list[dict[str, Any]], *, experiment_id: str, title: str,
                created: str, app_version: str) -> dict[str, Any]:
    """The `datapackage.json` of a study export."""
    return {
        "profile": "tabular-data-package",
        "name": resource_name(f"hd-desktop-{experiment_id}"),
        "title": title,
        "description": "Votes of a HumanDiffusion listening experiment exported by hd-desktop, "
                       "with what listeners said and what the researcher decided. Coordinates "
                       f"are in {UNITS}. See docs/codebook.md of hd-desktop.",
        "created": created,
        "hd_desktop": {"app_version": app_version, "codebook_version": CODEBOOK_VERSION,
                       "experiment_id": experiment_id},
        "resources": resources,
    }


FILES = {"ratings": "ratings-<listener>-<session>.csv", "evaluation": "evaluation-<name>-evaluation.csv"}


def file_name(kind: TableKind) -> str:
    return FILES.get(kind.name, f"{kind.name}.csv")


def markdown_columns() -> str:
    """Every table's columns as Markdown (docs/codebook.md embeds this; a test compares)."""
    out = []
    for kind in KINDS.values():
        out += [f"### `{file_name(kind)}`: {kind.title}", "", kind.description, "",
                "| column | type | unit | meaning |", "|---|---|---|---|"]
        for c in kind.columns:
            out.append(_markdown_row(c))
            if c.name == "seed" and kind.patterns:
                out.append(_markdown_row(replace(kind.patterns[0][1], name="z1 … zk",
                                                 description="coordinates 1 … k of the "
                                                             "stimulus in the voice space")))
        if kind.name == "evaluation":
            out.append(_markdown_row(replace(kind.patterns[0][1], name="sd_z1 … sd_zk",
                                             description="standard deviation (ddof 1) of the "
                                                         "group's voices along each axis")))
        if kind.open_ended:
            out.append("| *any other* | string | | " + kind.open_ended.format(name="…") + " |")
        out.append("")
    return "\n".join(out)


def _markdown_row(c: Column) -> str:
    meaning = c.description.replace("|", "\\|")
    if c.codes:
        meaning += ". Codes: " + "; ".join(f"`{v}` = {label}" for v, label in c.codes)
    return f"| `{c.name}` | {c.type} | {c.unit or ''} | {meaning} |"


def update_document(path: str) -> None:
    """Rewrite the generated part of `path` (between the two markers) from this codebook."""
    from pathlib import Path

    begin, end = "<!-- columns: generated -->", "<!-- columns: end -->"
    text = Path(path).read_text(encoding="utf-8")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    Path(path).write_text(f"{head}{begin}\n\n{markdown_columns()}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    import sys

    update_document(sys.argv[1])
