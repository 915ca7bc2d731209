"""Over-smoothing on Cora: accuracy, Dirichlet energy and MAD against depth.

    python benchmarks/oversmoothing.py --data-root ../shared/data
    python benchmarks/oversmoothing.py --quick          # smoke run, a few seconds

trains a plain GCN stack, a GCNII stack (initial residual + identity mapping) and a
residual GCN stack with jumping knowledge at 2, 4, 8, 16, 32 and 64 layers on the
public Planetoid split (140 / 500 / 1,000), full batch. Each run keeps the epoch with
the best validation accuracy (ties: lower validation loss) and stops when neither the
validation accuracy nor the validation loss has improved for ``--patience`` epochs (the
stopping rule of GAT, Velickovic et al., ICLR 2018); the test accuracy at the kept epoch, and
the Dirichlet energy and MAD of every layer's embeddings, are reported. No choice looks
at test nodes. Writes
``benchmarks/results/oversmoothing_cora.{json,md,png}`` and prints the published
numbers beside the measured ones.
"""
from __future__ import annotations

import argparse
import copy
import datetime as _dt
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from graphmed.datasets.files import locate
from graphmed.datasets.planetoid import PLANETOID_FILES, load_planetoid
from graphmed.evaluation.oversmoothing import dirichlet_energy, layerwise, mad
from graphmed.io import atomic_write_bytes, sha256_file
from graphmed.nn import GNNStack
from graphmed.results import environment, save_report
from graphmed.seed import seed_everything

RESULTS = Path(__file__).resolve().parent / "results"
DEPTHS = (2, 4, 8, 16, 32, 64)

#: Each stack: GNNStack arguments and optimiser settings. GCNII uses its published Cora
#: hyperparameters (Chen et al., ICML 2020); the GCN stacks use Kipf & Welling's (ICLR
#: 2017) dropout, learning rate and weight decay at the same width.
STACKS = {
    "GCN": dict(model=dict(conv="gcn", residual="none", dropout=0.5, project_input=False),
                lr=0.01, weight_decay_conv=5e-4, weight_decay_dense=5e-4),
    "GCNII": dict(model=dict(conv="gcnii", alpha=0.1, theta=0.5, dropout=0.6),
                  lr=0.01, weight_decay_conv=0.01, weight_decay_dense=5e-4),
    "ResGCN+JK": dict(model=dict(conv="gcn", residual="residual", norm="layernorm",
                                 jumping_knowledge="max", dropout=0.5),
                      lr=0.01, weight_decay_conv=5e-4, weight_decay_dense=5e-4),
}
HIDDEN = 64

_CHEN = ("Chen M, Wei Z, Huang Z, Ding B, Li Y. Simple and Deep Graph Convolutional "
         "Networks. ICML 2020, Table 3 (Cora, public split)")
#: Published test accuracy (%) on Cora by depth, as reported by Chen et al. (2020).
PUBLISHED = {
    "GCN": ({2: 81.1, 4: 80.4, 8: 69.5, 16: 64.9, 32: 60.3, 64: 28.7}, _CHEN),
    "JKNet (DropEdge)": ({4: 83.3, 8: 82.6, 16: 83.0, 32: 82.5, 64: 83.2}, _CHEN),
    "GCNII": ({64: 85.5}, _CHEN),
}
#: The published row each measured stack is printed beside, and the colour of both.
COUNTERPART = {"GCN": "GCN", "GCNII": "GCNII", "ResGCN+JK": "JKNet (DropEdge)"}
COLOURS = {"GCN": "C0", "GCNII": "C1", "ResGCN+JK": "C2", "JKNet (DropEdge)": "C2"}


def planetoid_checksums(name: str, root=None) -> dict[str, str]:
    """sha256 of each ``ind.<name>.*`` file :func:`load_planetoid` reads, by file name."""
    return {Path(file.path).name: sha256_file(locate(file, root, download=False))
            for file in PLANETOID_FILES[name].values()}


def normalize_features(x: torch.Tensor) -> torch.Tensor:
    """Row-normalise bag-of-words features (each row sums to 1), as GCN and GCNII do."""
    return x / x.sum(dim=1, keepdim=True).clamp(min=1)


def make_optimizer(model: GNNStack, spec: dict) -> torch.optim.Optimizer:
    conv_ids = {id(p) for p in model.convs.parameters()}
    conv = [p for p in model.parameters() if id(p) in conv_ids]
    dense = [p for p in model.parameters() if id(p) not in conv_ids]
    return torch.optim.Adam([dict(params=conv, weight_decay=spec["weight_decay_conv"]),
                             dict(params=dense, weight_decay=spec["weight_decay_dense"])],
                            lr=spec["lr"])


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    return float((logits.argmax(dim=1) == y).float().mean())


def train_one(data, x: torch.Tensor, stack: str, depth: int, seed: int, max_epochs: int,
              patience: int) -> dict:
    """Train one stack at one depth; report test accuracy at the best validation epoch."""
    spec = STACKS[stack]
    seed_everything(seed)
    model = GNNStack(x.size(1), HIDDEN, depth, int(data.y.max()) + 1, **spec["model"])
    optimizer = make_optimizer(model, spec)
    y, train, val, test = data.y, data.train_mask, data.val_mask, data.test_mask
    best = dict(val_acc=-1.0, val_loss=float("inf"), epoch=-1)
    lowest_loss, highest_acc = float("inf"), -1.0
    best_state, bad, epoch = None, 0, 0
    start = time.perf_counter()
    for epoch in range(1, max_epochs + 1):
        model.train()
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x, data.edge_index)[train], y[train])
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            logits = model(x, data.edge_index)
        val_loss = float(F.cross_entropy(logits[val], y[val]))
        val_acc = accuracy(logits[val], y[val])
        if (val_acc, -val_loss) > (best["val_acc"], -best["val_loss"]):
            best = dict(val_acc=val_acc, val_loss=val_loss, epoch=epoch,
                        train_loss=float(loss.detach()), test_acc=accuracy(logits[test], y[test]))
            best_state = copy.deepcopy(model.state_dict())
        if val_loss < lowest_loss or val_acc > highest_acc:
            lowest_loss, highest_acc = min(lowest_loss, val_loss), max(highest_acc, val_acc)
            bad = 0
        else:
            bad += 1
            if bad >= patience:
                break
    wall = time.perf_counter() - start
    model.load_state_dict(best_state)
    model.eval()
    with torch.no_grad():
        _, layers = model(x, data.edge_index, return_layers=True)
    energy = layerwise(dirichlet_energy, layers, data.edge_index)
    mads = layerwise(mad, layers)
    return {"stack": stack, "depth": depth, "seed": seed, "epochs_run": epoch,
            "best_epoch": best["epoch"], "train_loss": best["train_loss"],
            "val_loss": best["val_loss"], "val_acc": best["val_acc"], "test_acc": best["test_acc"],
            "energy_final": energy[-1], "mad_final": mads[-1],
            "energy_per_layer": energy, "mad_per_layer": mads, "wall_time_s": round(wall, 2),
            "model": repr(model)}


def summarise(records: list[dict], stacks: list[str], depths: list[int]) -> dict:
    """Mean and std over seeds of test accuracy (%), final-layer energy and MAD."""
    out = {}
    for stack in stacks:
        for depth in depths:
            runs = [r for r in records if r["stack"] == stack and r["depth"] == depth]
            acc = np.array([100 * r["test_acc"] for r in runs])
            out[f"{stack}@{depth}"] = {
                "test_acc_mean": float(acc.mean()), "test_acc_std": float(acc.std()),
                "energy_final_mean": float(np.mean([r["energy_final"] for r in runs])),
                "mad_final_mean": float(np.mean([r["mad_final"] for r in runs])),
                "best_epoch_mean": float(np.mean([r["best_epoch"] for r in runs])),
                "epochs_run_mean": float(np.mean([r["epochs_run"] for r in runs])),
                "wall_time_s": float(np.sum([r["wall_time_s"] for r in runs])),
                "n_runs": len(runs)}
    return out


def markdown(result: dict) -> str:
    depths, stacks, summary = result["depths"], result["stacks"], result["summary"]
    budget, env = result["budget"], result["environment"]
    head = "| stack | " + " | ".join(f"{d}" for d in depths) + " |"
    rule = "|---|" + "---|" * len(depths)

    def row(name, fmt, key):
        cells = [fmt(summary[f"{name}@{d}"][key], summary[f"{name}@{d}"]) for d in depths]
        return f"| {name} | " + " | ".join(cells) + " |"

    def acc(v, s):
        return f"{v:.1f} ± {s['test_acc_std']:.1f}" if s["n_runs"] > 1 else f"{v:.1f}"

    lines = [
        "# Over-smoothing on Cora", "",
        f"Generated by `python benchmarks/oversmoothing.py` (graphmed {env['graphmed']}, torch "
        f"{env['torch']}) on {result['created']}. Public Planetoid split (140 / 500 / 1,000), "
        f"row-normalised features, hidden width {HIDDEN}, full batch, seeds {result['seeds']}.",
        f"Epoch budget: at most {budget['max_epochs']} epochs per run (GCNII's published "
        "protocol allows 1,500); early stopping when neither validation accuracy nor validation "
        f"loss has improved for {budget['patience']} epochs; the reported test accuracy is the "
        "one at the epoch with the best validation accuracy (ties: lower validation loss). "
        "No choice looks at test nodes.",
        "Depth = number of message-passing layers, followed by a linear classifier; GCNII and "
        "ResGCN+JK first map the features to the hidden width with a linear layer, GCN's first "
        "layer reads the features itself.", "",
        "Stacks: " + "; ".join(f"**{name}** {_describe(STACKS[name])}" for name in stacks) + ".",
        "", "## Test accuracy (%) by depth", "", head, rule]
    lines += [row(name, acc, "test_acc_mean") for name in stacks]
    lines += ["", "Published (as reported, not rerun here):", "", head, rule]
    for name, (values, _) in PUBLISHED.items():
        lines.append(f"| {name} | " + " | ".join(f"{values[d]:.1f}" if d in values else "–"
                                                 for d in depths) + " |")
    sources = sorted({src for _, src in PUBLISHED.values()})
    lines += ["", "Source: " + "; ".join(sources) + ".", "",
              "## Dirichlet energy of the last layer's embeddings", "",
              "E(X) = (1/N) Σ_i Σ_{j∈N(i)} ||x_i − x_j||², at the selected epoch "
              f"(row-normalised input features: {result['input_energy']:.4g}).", "", head, rule]
    lines += [row(name, lambda v, s: f"{v:.3g}", "energy_final_mean") for name in stacks]
    lines += ["", "## MAD of the last layer's embeddings", "",
              "Mean average cosine distance over all node pairs (Chen et al., AAAI 2020); 0 = all "
              f"embeddings point the same way (input features: {result['input_mad']:.3f}).", "",
              head, rule]
    lines += [row(name, lambda v, s: f"{v:.3f}", "mad_final_mean") for name in stacks]
    lines += ["", "## Selected epoch / epochs run", "", head, rule]
    lines += [f"| {name} | " + " | ".join(
        f"{summary[f'{name}@{d}']['best_epoch_mean']:.0f} / {summary[f'{name}@{d}']['epochs_run_mean']:.0f}"
        for d in depths) + " |" for name in stacks]
    lines += ["", f"Total wall time {result['wall_time_s']:.0f} s on {result['threads']} CPU "
              "thread(s). Per-layer energies and MADs are in the JSON file; the figure is "
              "`oversmoothing_cora.png`.", ""]
    return "\n".join(lines)


def _describe(spec: dict) -> str:
    model = ", ".join(f"{k}={v!r}" for k, v in spec["model"].items())
    wd = (f"weight decay {spec['weight_decay_conv']} (convs) / {spec['weight_decay_dense']} (dense)"
          if spec["weight_decay_conv"] != spec["weight_decay_dense"]
          else f"weight decay {spec['weight_decay_conv']}")
    return f"({model}; Adam lr {spec['lr']}, {wd})"


def figure(result: dict) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    depths, stacks, summary = result["depths"], result["stacks"], result["summary"]
    fig, axes = plt.subplots(2, 3, figsize=(16, 8.5))
    (acc_ax, energy_ax, mad_ax), (layer_energy_ax, layer_mad_ax, note_ax) = axes
    floor = 1e-12  # energies of exactly 0 are drawn at this floor on the log axes
    for name in stacks:
        colour = COLOURS.get(name)
        cells = [summary[f"{name}@{d}"] for d in depths]
        acc_ax.plot(depths, [c["test_acc_mean"] for c in cells], marker="o", color=colour,
                    label=f"{name} (measured)")
        energy_ax.plot(depths, [max(c["energy_final_mean"], floor) for c in cells], marker="o",
                       color=colour, label=name)
        mad_ax.plot(depths, [c["mad_final_mean"] for c in cells], marker="o", color=colour,
                    label=name)
        deepest = [r for r in result["records"] if r["stack"] == name and r["depth"] == depths[-1]]
        if deepest:
            energy = np.maximum(np.mean([r["energy_per_layer"] for r in deepest], axis=0), floor)
            layer_energy_ax.plot(range(len(energy)), energy, color=colour, label=name)
            mads = np.mean([r["mad_per_layer"] for r in deepest], axis=0)
            layer_mad_ax.plot(range(len(mads)), mads, color=colour, label=name)
    for name, (values, _) in PUBLISHED.items():
        ds = [d for d in depths if d in values]
        if ds:
            acc_ax.plot(ds, [values[d] for d in ds], linestyle="--", marker="x",
                        color=COLOURS.get(name), label=f"{name} (published)")
    titles = ["Test accuracy (%)", "Dirichlet energy, last layer", "MAD, last layer",
              f"Dirichlet energy per layer, depth {depths[-1]}", f"MAD per layer, depth {depths[-1]}"]
    for ax, title in zip(axes.flat, titles):
        ax.set_title(title)
        ax.grid(alpha=0.3)
    for ax in (acc_ax, energy_ax, mad_ax):
        ax.set_xscale("log", base=2)
        ax.set_xticks(depths, [str(d) for d in depths])
        ax.set_xlabel("layers")
    for ax in (layer_energy_ax, layer_mad_ax):
        ax.set_xlabel("layer (0: input of the first message-passing layer)")
    energy_ax.set_yscale("log")
    layer_energy_ax.set_yscale("log")
    acc_ax.legend(fontsize=8)
    energy_ax.legend(fontsize=8)
    note_ax.axis("off")
    budget = result["budget"]
    note_ax.text(0.0, 0.9, "\n".join([
        "Cora, public split; one run per cell, seeds " + str(result["seeds"]),
        f"at most {budget['max_epochs']} epochs, patience {budget['patience']}",
        "test accuracy at the best validation epoch",
        "published: Chen et al., ICML 2020, Table 3"]), va="top", fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", help="data folder (default: $GRAPHMED_DATA)")
    parser.add_argument("--depths", type=int, nargs="+", default=list(DEPTHS))
    parser.add_argument("--stacks", nargs="+", default=list(STACKS), choices=list(STACKS))
    parser.add_argument("--seeds", type=int, default=1, help="number of seeds (0, 1, ...)")
    parser.add_argument("--epochs", type=int, default=200, help="epoch budget per run")
    parser.add_argument("--patience", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (1 is fastest on a shared machine)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: depths 2 and 4, 10 epochs, outputs named *_quick in a "
                             "temporary folder unless --out is given")
    parser.add_argument("--out", type=Path, help=f"folder for the outputs (default: {RESULTS})")
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.epochs < 1 or args.patience < 1 or min(args.depths) < 1:
        parser.error("--seeds, --epochs, --patience and --depths must be positive")
    if args.quick:
        args.depths, args.epochs, args.patience = [2, 4], 10, 10
    stem = "oversmoothing_cora_quick" if args.quick else "oversmoothing_cora"
    if args.out is None:
        args.out = Path(tempfile.gettempdir()) / "graphmed_quick" if args.quick else RESULTS
    torch.set_num_threads(args.threads)

    data = load_planetoid("cora", args.data_root)
    data_checksums = planetoid_checksums("cora", args.data_root)
    x = normalize_features(data.x)
    seeds = list(range(args.seeds))
    print(f"Cora: {data.num_nodes} nodes, {data.edge_index.size(1)} directed edges; budget "
          f"{args.epochs} epochs, patience {args.patience}; seeds {seeds}", flush=True)
    records, start = [], time.perf_counter()
    for stack in args.stacks:
        for depth in args.depths:
            for seed in seeds:
                r = train_one(data, x, stack, depth, seed, args.epochs, args.patience)
                records.append(r)
                name = COUNTERPART[stack]
                published = PUBLISHED[name][0].get(depth)
                print(f"{stack:>10} depth {depth:>3} seed {seed}: test {100 * r['test_acc']:5.1f}% "
                      f"(published {name}: {published if published is not None else '–'}), "
                      f"energy {r['energy_final']:.3g}, MAD {r['mad_final']:.3f}, "
                      f"best epoch {r['best_epoch']}/{r['epochs_run']}, {r['wall_time_s']:.0f} s",
                      flush=True)
    result = {
        "benchmark": "oversmoothing", "dataset": "cora", "split": "public (140 / 500 / 1,000)",
        "data_checksums": data_checksums,
        "selection": "best validation accuracy (ties: lower validation loss); stop when "
                     "neither validation accuracy nor loss improved for `patience` epochs",
        "budget": {"max_epochs": args.epochs, "patience": args.patience},
        "hidden_channels": HIDDEN, "stacks": list(args.stacks), "depths": list(args.depths),
        "seeds": seeds, "threads": args.threads,
        "configs": {name: STACKS[name] for name in args.stacks},
        "input_energy": dirichlet_energy(x, data.edge_index), "input_mad": mad(x),
        "summary": summarise(records, list(args.stacks), list(args.depths)),
        "published": {name: {"test_acc": {str(d): v for d, v in values.items()}, "source": src}
                      for name, (values, src) in PUBLISHED.items()},
        "records": records, "wall_time_s": round(time.perf_counter() - start, 1),
        "environment": environment(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    text = save_report(args.out / stem, result, markdown)
    atomic_write_bytes(args.out / f"{stem}.png", figure(result))
    print(text)
    print(f"wrote {args.out / stem}.{{json,md,png}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
