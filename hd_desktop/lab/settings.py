"""Settings that belong to an experiment, kept in its store so they survive a restart.

The engine preset (and any overrides), the listeners kept despite their screening, the
carrier, the output gain of the level check, whether the model updates after every block,
the engine's seed, what the engine learns from (the screening threshold and the minimum
number of screening answers before a listener is judged: every new round holds at least that
many screening trials; whether listeners not judged yet count, and whether simulated votes
count beside people's), and what a listener meets before the trials (language, consent,
questionnaire, headphone check, and whether a failed check excludes). Versioned
(docs/design.md 3): another schema is refused with a message; a stored version 1 (before the
screening and simulated-vote settings) reads with their defaults.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from hd_desktop.errors import UserFacingError
from hd_desktop.session.intake import IntakeSettings

SCHEMA = 2
READABLE = (1, 2)
HEADPHONE_CHECKS = ("huggins", "antiphase", "none")


@dataclass(frozen=True)
class LabSettings:
    engine_preset: str = "default"
    engine_overrides: dict = field(default_factory=dict)   # NAME -> value, as `simulate --set`
    keep_listeners: tuple[str, ...] = ()
    carrier: str = "sustained"
    gain_db: float = 0.0
    auto_update: bool = True        # a model update after every block of a session
    engine_seed: int = 0
    screen_threshold: float = 0.6   # share of screening answers as expected a listener needs
    screen_min: int = 20            # screening answers before a listener is judged at all
    use_unjudged: bool = False      # votes of listeners not judged yet feed the engine
    use_simulated: bool = False     # simulated votes feed the engine beside people's (with no
                                    # person's votes in the experiment, they always do)
    # what a listener goes through before the trials (docs/listener-flow.md)
    language: str = IntakeSettings.language   # the listener texts: assets/texts/<language>.json
    consent: bool = IntakeSettings.consent     # no consent, no trials
    questionnaire: bool = IntakeSettings.questionnaire
    headphone_check: str = IntakeSettings.headphone_check    # "huggins", "antiphase" or "none"
    headphone_excludes: bool = False    # a failed check in the lab leaves the listener out
    headphone_excludes_online: bool = True   # a failed check online does (nobody watched)

    def with_(self, **changes) -> LabSettings:
        if "keep_listeners" in changes:
            changes["keep_listeners"] = tuple(sorted(set(changes["keep_listeners"])))
        if changes.get("headphone_check", "none") not in HEADPHONE_CHECKS:
            raise UserFacingError(f"headphone check {changes['headphone_check']!r}: choose one "
                                  f"of {', '.join(HEADPHONE_CHECKS)}")
        if "language" in changes:
            from hd_desktop.session.texts import shipped_languages

            if changes["language"] not in shipped_languages():
                raise UserFacingError(f"listener language {changes['language']!r}: choose one "
                                      f"of {', '.join(shipped_languages())}")
        return replace(self, **changes)

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.screen_threshold) <= 1.0:
            raise UserFacingError(f"screening threshold {self.screen_threshold!r}: give a share "
                                  "from 0 to 1 (0.6 = 60% of screening answers as expected)")
        if not 0 <= int(self.screen_min) <= 1000:
            raise UserFacingError(f"minimum screening answers {self.screen_min!r}: give a whole "
                                  "number from 0 to 1000")

    def engine_config(self):
        """The engine preset with this experiment's screening threshold, then its overrides
        (an override of screen_threshold, as `simulate --set` gives, wins)."""
        from hd_desktop.engine.config import engine_preset

        return engine_preset(self.engine_preset).with_overrides(
            **{"screen_threshold": float(self.screen_threshold), **self.engine_overrides})

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, **asdict(self), "keep_listeners": list(self.keep_listeners)}

    @classmethod
    def from_dict(cls, data: dict, where: str, defaults: LabSettings | None = None) -> LabSettings:
        """Settings read back from the store; {} gives `defaults` (a new experiment)."""
        if not data:
            return defaults or cls()
        if data.get("schema") not in READABLE:
            raise UserFacingError(f"{where}: experiment settings schema {data.get('schema')!r} "
                                  f"is not {SCHEMA}; this version of hd-desktop cannot read them")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["keep_listeners"] = tuple(values.get("keep_listeners", ()))
        return cls(**values)
