"""Engine results kept in the experiment: the network, its curve and its samples survive a restart."""

from __future__ import annotations

import io

import numpy as np

from hd_desktop.lab.engine_job import EngineResult, EngineSnapshot, estimates_of


def checkpoint_bytes(net) -> bytes:
    """The network as bytes in the schema of engine.network.save_checkpoint."""
    from hd_desktop.engine.network import save_checkpoint

    buf = io.BytesIO()
    save_checkpoint(net, buf)
    return buf.getvalue()


def net_from_bytes(data: bytes):
    from hd_desktop.engine.network import load_checkpoint

    net, _ = load_checkpoint(io.BytesIO(data))
    net.eval()
    return net


def save_result(experiment, result: EngineResult, snapshot: EngineSnapshot) -> str:
    """Store the model and its samples; returns the model id."""
    info = {"votes_used": result.votes_used, "estimates": len(result.estimates),
            "excluded": list(result.excluded), "timings": result.timings, "seed": snapshot.seed,
            "kept_listeners": sorted(snapshot.keep_listeners), "lapse_floor": result.lapse_floor,
            "set_aside": dict(result.set_aside),
            "screening": {"threshold": snapshot.config.screen_threshold,
                          "min_answers": snapshot.min_gold, "unjudged_used": snapshot.use_unjudged},
            "simulated_votes": _simulated_votes(experiment, snapshot),
            "stop": result.stop}      # computed by the engine job with the model
    return experiment.save_model(
        result.round, snapshot.config.to_dict(), result.curve, checkpoint_bytes(result.net), info,
        samples=(result.samples, snapshot.seed, {"n_chains": snapshot.config.n_chains,
                                                 "sampler_steps": snapshot.config.sampler_steps}))


def stop_text(result: EngineResult) -> str:
    """A model's stop signal (made with it by the engine job) in one line, for the Engine tab."""
    from hd_desktop.engine.stopping import StopSignal

    stop = result.stop
    if not stop:
        return "Stop signal: after the next update (it compares two updates' samples)."
    signal = StopSignal.from_dict(stop)
    return f"Stop signal: {signal.sentence()}."


def _simulated_votes(experiment, snapshot: EngineSnapshot) -> int:
    """How many of the votes the model learned from are simulated (0: people's only)."""
    from hd_desktop.store import SessionKind

    simulated = {s.id for s in experiment.sessions() if s.kind == SessionKind.SIMULATED}
    return sum(v.session_id in simulated for v in snapshot.votes)


def restore_results(experiment, snapshot: EngineSnapshot) -> dict[int, EngineResult]:
    """The latest stored model of every round, with its samples; estimates recomputed from votes."""
    out = {}
    for index in sorted(experiment.rounds()):
        info = experiment.latest_model(index)
        if info is None:
            continue
        designs = [d for d in snapshot.designs if d.design.get("round", 0) <= index]
        try:
            est = estimates_of(designs, snapshot.votes, info.info.get("excluded", []),
                               snapshot.config)
        except ValueError:
            continue    # a model whose votes are gone (nothing to draw its neighbours from)
        out[index] = EngineResult(
            round=index, net=net_from_bytes(experiment.model_checkpoint(info.id)),
            samples=np.asarray(experiment.samples(model_id=info.id)), estimates=est,
            curve=list(info.curve), timings=dict(info.info.get("timings", {})),
            excluded=tuple(info.info.get("excluded", [])),
            set_aside=dict(info.info.get("set_aside", {})),
            votes_used=int(info.info.get("votes_used", 0)), model_id=info.id,
            lapse_floor=info.info.get("lapse_floor"), loss=info.config.get("loss"),
            stop=info.info.get("stop"))
    return out


