"""Settings that belong to an experiment, kept in its store so they survive a restart.

The engine preset (and any overrides), the listeners kept despite their screening, the
carrier, the output gain of the level check, whether the model updates after every block,
the engine's seed, and what a listener meets before the trials (language, consent,
questionnaire, headphone check, and whether a failed check excludes). Versioned
(docs/design.md 3): another schema is refused with a message.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from hd_desktop.errors import UserFacingError

SCHEMA = 1
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
    # what a listener goes through before the trials (docs/listener-flow.md)
    language: str = "en"            # the listener texts: assets/texts/<language>.json
    consent: bool = True            # no consent, no trials
    questionnaire: bool = True
    headphone_check: str = "huggins"    # "huggins", "antiphase" or "none"
    headphone_excludes: bool = False    # a failed check leaves the listener out of the engine

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

    def engine_config(self):
        from hd_desktop.engine.config import engine_preset

        return engine_preset(self.engine_preset).with_overrides(**self.engine_overrides)

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, **asdict(self), "keep_listeners": list(self.keep_listeners)}

    @classmethod
    def from_dict(cls, data: dict, where: str, defaults: LabSettings | None = None) -> LabSettings:
        """Settings read back from the store; {} gives `defaults` (a new experiment)."""
        if not data:
            return defaults or cls()
        if data.get("schema") != SCHEMA:
            raise UserFacingError(f"{where}: experiment settings schema {data.get('schema')!r} "
                                  f"is not {SCHEMA}; this version of hd-desktop cannot read them")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["keep_listeners"] = tuple(values.get("keep_listeners", ()))
        return cls(**values)
