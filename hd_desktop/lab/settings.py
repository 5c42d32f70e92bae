"""Settings that belong to an experiment, kept in its store so they survive a restart.

The engine preset (and any overrides), the listeners kept despite their screening, the
carrier, the output gain of the level check, whether the model updates after every block,
and the engine's seed. Versioned (docs/design.md 3): another schema is refused with a message.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from hd_desktop.errors import UserFacingError

SCHEMA = 1


@dataclass(frozen=True)
class LabSettings:
    engine_preset: str = "default"
    engine_overrides: dict = field(default_factory=dict)   # NAME -> value, as `simulate --set`
    keep_listeners: tuple[str, ...] = ()
    carrier: str = "sustained"
    gain_db: float = 0.0
    auto_update: bool = True        # a model update after every block of a session
    engine_seed: int = 0

    def with_(self, **changes) -> LabSettings:
        if "keep_listeners" in changes:
            changes["keep_listeners"] = tuple(sorted(set(changes["keep_listeners"])))
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
