"""The map of Evaluation 1: S_D as a heat map, S_VD as arrows, the real data and the samples."""

from __future__ import annotations

import numpy as np

from hd_desktop.engine.training import predict


def map_grid(net, real, samples, *, size: int = 80, arrows: int = 20, pad: float = 1.0):
    """S_D on a size x size grid and S_VD on an arrows x arrows grid over both point clouds.

    For k > 2 the map is the plane of the first two axes, the others held at 0.
    """
    pts = np.concatenate([np.asarray(real)[:, :2], np.asarray(samples)[:, :2]])
    lo, hi = pts.min(axis=0) - pad, pts.max(axis=0) + pad
    k = np.asarray(real).shape[1]

    def plane(n):
        xs, ys = np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)
        gx, gy = np.meshgrid(xs, ys)
        z = np.zeros((n * n, k))
        z[:, 0], z[:, 1] = gx.ravel(), gy.ravel()
        return gx, gy, z

    gx, gy, z = plane(size)
    s_d = predict(net, z)[0].reshape(size, size)
    ax_, ay_, za = plane(arrows)
    s_vd = predict(net, za)[1][:, :2]
    return {"extent": (lo[0], hi[0], lo[1], hi[1]), "s_d": s_d,
            "arrow_x": ax_, "arrow_y": ay_, "s_vd": s_vd.reshape(arrows, arrows, 2)}


def plot_map(net, real, samples, path, *, title: str = "") -> None:
    """Write the map as a PNG (matplotlib's Agg canvas; no GUI backend is touched)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    g = map_grid(net, real, samples)
    fig = Figure(figsize=(7, 6), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    im = ax.imshow(g["s_d"], origin="lower", extent=g["extent"], cmap="viridis", vmin=0, vmax=1,
                   aspect="auto")
    fig.colorbar(im, ax=ax, label="S_D(z): estimated acceptance")
    ax.quiver(g["arrow_x"], g["arrow_y"], g["s_vd"][..., 0], g["s_vd"][..., 1], color="white",
              alpha=0.8, label="S_VD(z)")
    s = np.asarray(samples)
    ax.scatter(s[:, 0], s[:, 1], s=4, c="orange", alpha=0.5, label=f"samples ({len(s)})")
    r = np.asarray(real)
    ax.scatter(r[:, 0], r[:, 1], s=14, c="red", edgecolors="black", linewidths=0.4,
               label=f"real data ({len(r)})")
    ax.set_xlabel("z1 (SD of real data)")
    ax.set_ylabel("z2 (SD of real data)")
    ax.set_xlim(*g["extent"][:2])
    ax.set_ylim(*g["extent"][2:])
    ax.set_title(title or "HumanDiffusion map: S_D, S_VD, real data and samples")
    ax.legend(loc="upper right", fontsize=7)
    fig.savefig(path)
