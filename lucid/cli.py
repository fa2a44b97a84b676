"""``python -m lucid``: initialize the parameters of a real architecture and report on them.

For each parameter of a preset (see :mod:`lucid.presets`) or of one ``--shape``,
the command allocates a NumPy array, fills it, times the fill and measures the
values. It prints one table row per parameter (fans, target and measured
standard deviation, measured mean, fill time) and the totals (parameters,
seconds, elements per second), or the same as JSON with ``--json``.

How each parameter is filled is decided by this explicit rule (:func:`fill_rule`):

======================================================  ==========================================
parameter                                               fill
======================================================  ==========================================
at least 2-D, name ends in ``weight`` (conv, linear)    the chosen ``--init`` (fans from its shape)
name ends in ``bias``                                   zeros
any other 1-D parameter (batch-norm, layer-norm scale)  ones
any other parameter (ViT class token, pos. embedding)   ``normal(0, 0.02)``
======================================================  ==========================================

Each array is touched (zeroed) before its timed fill, so the times leave out page faults.
A ``--shape`` is a single weight and always gets the chosen ``--init``.
All random fills draw, in table order, from one ``lucid.random.Generator(--seed)``.

``lucid compile`` (a subcommand) compiles every kernel ahead of time instead: each distribution
for each output type, on one thread, on all threads and for chunks, with a progress bar. Numba
caches the machine code, so a Docker image, a CI cache or a Dask worker built after it starts
without compiling. Without it, a kernel compiles on first use (seconds, once per machine) and says
so on stderr before it starts.

Example:
    >>> from lucid.cli import main
    >>> main(["--shape", "256", "128", "--quiet"])  # doctest: +ELLIPSIS
    total: 32,768 parameters in 1 tensor; filled in ... s (...)
    0
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import numba
import numpy as np

from . import __version__, _compile
from ._plans import Plan
from .kernels import CHUNK, NORMAL, compute_fans
from .nn import _initializers as _init
from .nn import init
from .presets import PRESETS, Param, preset
from .random import Generator

_MAX_THREADS: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]

__all__ = ["INITIALIZERS", "Initializer", "LayerResult", "compile_main", "fill_rule", "main", "run"]

PROG = "lucid"
PLOT_HINT = "--plot needs matplotlib: pip install 'lucid-init[plot]'"
DTYPES = ("float16", "float32", "float64")
MODES = ("fan_in", "fan_out")
PROGRESS_MIN_PARAMS = 5_000_000  # show a progress line on a terminal above this many parameters
EMBEDDING_STD = 0.02


# --- the initializers the command can run ------------------------------------------------
PlanOf = Callable[[tuple[int, ...], str], Any]  # (shape, mode) -> the plan of lucid._plans the fill draws
PYTORCH_LAYOUT = {"in_axis": 1, "out_axis": 0}  # presets' weights are (out, in, *kernel)


@dataclass(frozen=True)
class Initializer:
    """A random initializer of :mod:`lucid.nn.init` as the command runs it.

    Attributes:
        fill: the function, called as ``fill(array, generator=g, **kwargs)`` (plus ``mode=`` when ``takes_mode``).
        plan: ``(shape, mode) -> plan``: what the variance-scaling core (or the plain distribution) draws
            for that shape; the target mean and standard deviation are the plan's moments.
        density: ``"normal"``, ``"truncated_normal"`` (cut at two pre-truncation stds) or ``"uniform"``:
            the shape of that distribution (for ``--plot``).
        fan_based: whether it needs fans, hence a shape with at least 2 dimensions.
        takes_mode: whether it accepts ``mode="fan_in" | "fan_out"``.
        kwargs: further keyword arguments of ``fill`` (the presets' PyTorch layout for JAX's names).
    """

    fill: Callable[..., None]
    plan: PlanOf
    density: str
    fan_based: bool = True
    takes_mode: bool = False
    kwargs: dict[str, Any] = field(default_factory=dict)

    def target(self, shape: tuple[int, ...], mode: str) -> tuple[float, float]:
        """The mean and standard deviation the fill of ``shape`` draws from."""
        plan: Plan = self.plan(shape, mode)
        return plan.moments()


def _kaiming(distribution: str) -> PlanOf:
    return lambda shape, mode: _init.kaiming_args("kaiming", shape, mode, 0.0, "leaky_relu", distribution, 1, 0, ())


def _xavier(distribution: str) -> PlanOf:
    return lambda shape, mode: _init.xavier_args("xavier", shape, 1.0, distribution, 1, 0, ())


def _jax(scale: float, fan: str, distribution: str) -> PlanOf:
    return lambda shape, mode: _init.variance_scaling_args("variance_scaling", shape, scale, fan, distribution, 1, 0,
                                                           ())


# To offer a new initializer on the command line, add it here.
INITIALIZERS: dict[str, Initializer] = {
    "kaiming_normal": Initializer(init.kaiming_normal, _kaiming("normal"), "normal", takes_mode=True),
    "kaiming_uniform": Initializer(init.kaiming_uniform, _kaiming("uniform"), "uniform", takes_mode=True),
    "xavier_normal": Initializer(init.xavier_normal, _xavier("normal"), "normal"),
    "xavier_uniform": Initializer(init.xavier_uniform, _xavier("uniform"), "uniform"),
    "lecun_normal": Initializer(init.lecun_normal, _jax(1.0, "fan_in", "truncated_normal"), "truncated_normal",
                                kwargs=PYTORCH_LAYOUT),
    "lecun_uniform": Initializer(init.lecun_uniform, _jax(1.0, "fan_in", "uniform"), "uniform",
                                 kwargs=PYTORCH_LAYOUT),
    "glorot_normal": Initializer(init.glorot_normal, _jax(1.0, "fan_avg", "truncated_normal"), "truncated_normal",
                                 kwargs=PYTORCH_LAYOUT),
    "glorot_uniform": Initializer(init.glorot_uniform, _jax(1.0, "fan_avg", "uniform"), "uniform",
                                  kwargs=PYTORCH_LAYOUT),
    "he_normal": Initializer(init.he_normal, _jax(2.0, "fan_in", "truncated_normal"), "truncated_normal",
                             kwargs=PYTORCH_LAYOUT),
    "he_uniform": Initializer(init.he_uniform, _jax(2.0, "fan_in", "uniform"), "uniform", kwargs=PYTORCH_LAYOUT),
    "normal": Initializer(init.normal, lambda shape, mode: _init.normal_plan(0.0, 1.0), "normal", fan_based=False),
    "uniform": Initializer(init.uniform, lambda shape, mode: _init.uniform_plan(0.0, 1.0), "uniform",
                           fan_based=False),
    "trunc_normal": Initializer(init.trunc_normal, lambda shape, mode: _init.absolute_truncated_plan(0.0, 1.0, -2, 2),
                                "truncated_normal", fan_based=False),
}


# --- which parameter gets which fill --------------------------------------------------------
INIT, ZEROS, ONES, EMBEDDING = "init", "zeros", "ones", "embedding"


def fill_rule(name: str, shape: Sequence[int]) -> str:
    """How the command fills parameter ``name`` of ``shape``: ``"init"``, ``"zeros"``, ``"ones"`` or ``"embedding"``.

    ``"init"`` (the chosen initializer) for weights of at least 2 dimensions,
    ``"zeros"`` for biases, ``"ones"`` for other 1-D parameters (normalization
    scales), ``"embedding"`` (``normal(0, 0.02)``) for anything else.

    Example:
        >>> from lucid.cli import fill_rule
        >>> fill_rule("fc.weight", (1000, 2048)), fill_rule("fc.bias", (1000,)), fill_rule("bn1.weight", (64,))
        ('init', 'zeros', 'ones')
        >>> fill_rule("encoder.pos_embedding", (1, 197, 768))
        'embedding'
    """
    if len(shape) >= 2 and name.endswith("weight"):
        return INIT
    if name.endswith("bias"):
        return ZEROS
    if len(shape) == 1:
        return ONES
    return EMBEDDING


# --- the arguments ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Config:
    """The validated arguments of one run."""

    params: list[Param]
    rules: list[str]
    preset: str | None
    init: str
    mode: str
    dtype: str
    seed: int
    threads: int | None
    plot: str | None
    json: bool
    quiet: bool


def build_parser() -> argparse.ArgumentParser:
    """The command's argument parser."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Initialize the parameters of a real architecture with Lucid, measure them and time the fills.",
        epilog="Fill rule: >=2-D weights get --init; biases zeros; other 1-D parameters (norm scales) ones; "
        f"other parameters (ViT tokens and embeddings) normal(0, {EMBEDDING_STD}). "
        "'lucid compile --help': compile every kernel ahead of time.",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--preset", choices=PRESETS, default=None,
                      help="the parameters of an architecture (default: resnet50)")
    what.add_argument("--shape", type=int, nargs="+", metavar="D",
                      help="one custom weight shape instead of a preset, e.g. --shape 512 256 3 3")
    parser.add_argument("--init", choices=tuple(INITIALIZERS), default="kaiming_normal",
                        help="the initializer for weights (default: kaiming_normal)")
    parser.add_argument("--mode", choices=MODES, default=None,
                        help="the fan of a kaiming initializer (default: fan_in)")
    parser.add_argument("--dtype", choices=DTYPES, default="float32", help="the dtype (default: float32)")
    parser.add_argument("--seed", type=int, default=0, help="the seed of lucid.random.Generator (default: 0)")
    parser.add_argument("--threads", type=int, default=None,
                        help=f"Numba threads, 1..{_MAX_THREADS} (default: all)")
    parser.add_argument("--plot", metavar="PATH.png", default=None,
                        help="write a histogram of the weights / target std against the reference density "
                        "(needs matplotlib)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--quiet", action="store_true", help="print only the totals")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def parse_args(argv: Sequence[str] | None) -> Config:
    """Parse and validate ``argv``; a bad argument prints a usage message and raises ``SystemExit(2)``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    spec = INITIALIZERS[args.init]

    if args.mode is not None and not spec.takes_mode:
        takes = ", ".join(name for name, s in INITIALIZERS.items() if s.takes_mode)
        parser.error(f"argument --mode: only {takes} take a mode, not --init {args.init}")
    if not 0 <= args.seed < 2**64:
        parser.error(f"argument --seed: must be in [0, 2**64), got {args.seed}")
    if args.threads is not None:
        most = _MAX_THREADS
        if not 1 <= args.threads <= most:
            parser.error(f"argument --threads: must be between 1 and {most} (NUMBA_NUM_THREADS), got {args.threads}")

    if args.shape is not None:
        shape = tuple(args.shape)
        bad = [d for d in shape if d < 1]
        if bad:
            parser.error(f"argument --shape: dimensions must be positive, got {bad[0]} in {list(shape)}")
        if spec.fan_based and len(shape) < 2:
            parser.error(f"argument --shape: --init {args.init} computes fans, which need at least 2 dimensions, "
                         f"got {list(shape)}")
        params, rules = [("weight", shape)], [INIT]
    else:
        params = preset(args.preset or "resnet50")
        rules = [fill_rule(name, shape) for name, shape in params]

    if args.plot is not None:
        _check_plot_path(parser, args.plot)

    return Config(
        params=params,
        rules=rules,
        preset=None if args.shape is not None else (args.preset or "resnet50"),
        init=args.init,
        mode=args.mode or "fan_in",
        dtype=args.dtype,
        seed=args.seed,
        threads=args.threads,
        plot=args.plot,
        json=args.json,
        quiet=args.quiet,
    )


def _check_plot_path(parser: argparse.ArgumentParser, path: str) -> None:
    """Fail before any work if ``--plot`` cannot be written: no matplotlib, no such folder, unknown format."""
    try:
        importlib.import_module("matplotlib")
        backend_bases = importlib.import_module("matplotlib.backend_bases")
    except ImportError:
        parser.error(PLOT_HINT)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        parser.error(f"argument --plot: no such directory: {folder}")
    suffix = os.path.splitext(path)[1].lstrip(".").lower()
    formats = backend_bases.FigureCanvasBase.get_supported_filetypes()
    if suffix not in formats:
        parser.error(f"argument --plot: the file name must end in one of .{', .'.join(sorted(formats))}, got {path!r}")


# --- running --------------------------------------------------------------------------------
@dataclass
class LayerResult:
    """One parameter: what it is, how it was filled, what came out and how long the fill took."""

    name: str
    shape: tuple[int, ...]
    rule: str
    fill: str
    fan_in: int | None
    fan_out: int | None
    target_mean: float
    target_std: float
    mean: float
    std: float
    seconds: float

    @property
    def size(self) -> int:
        """The number of elements."""
        return math.prod(self.shape)


class Histogram:
    """Counts of ``(value - target mean) / target std`` over many tensors, in fixed bins."""

    def __init__(self, density: str) -> None:
        self.density = density
        half = 5.0 if density == "normal" else 2.5  # a unit-variance uniform lives on [-sqrt(3), sqrt(3)]
        self.edges = np.linspace(-half, half, 201)
        self.counts = np.zeros(200, np.int64)
        self.total = 0

    def add(self, values: np.ndarray, mean: float, std: float) -> None:
        """Count ``values`` standardized by ``mean`` and ``std``."""
        z = (values.astype(np.float64).ravel() - mean) / std
        self.counts += np.histogram(z, self.edges)[0]
        self.total += z.size


class Progress:
    """A one-line progress indicator on a terminal: ``[i/n] name``, erased at the end."""

    def __init__(self, stream: TextIO, count: int) -> None:
        self.stream = stream
        self.count = count
        self.width = 0

    def update(self, index: int, name: str) -> None:
        """Show that parameter ``index`` (0-based), ``name``, is being filled."""
        line = f"lucid: [{index + 1}/{self.count}] {name}"
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = max(self.width, len(line))

    def close(self) -> None:
        """Erase the line."""
        self.stream.write("\r" + " " * self.width + "\r")
        self.stream.flush()


def kernels_needed(config: Config) -> list[tuple[int, str]]:
    """The ``(kind, entry point)`` pairs the run's fills use: each parameter's distribution, on one thread
    (at most one chunk of elements) or on all threads. Zeros and ones need none: ``ndarray.fill`` writes
    them (see ``lucid.nn.init.constant``), so their kernel is not compiled."""
    spec = INITIALIZERS[config.init]
    needed = []
    for (_, shape), rule in zip(config.params, config.rules, strict=True):
        if rule == INIT:
            kind = spec.plan(tuple(shape), config.mode).kind
        elif rule == EMBEDDING:
            kind = NORMAL
        else:
            continue
        entry = "parallel" if math.prod(shape) > CHUNK else "serial"
        if (kind, entry) not in needed:
            needed.append((kind, entry))
    return needed


def warm_up(config: Config) -> float:
    """Compile (or load from Numba's cache) the kernels the run's fills use; return the seconds it took.

    Only those: a kernel that compiles prints a line on stderr first (unless ``--json`` or ``--quiet``).
    The timed fills then do not pay for compilation.
    """
    start = time.perf_counter()
    for kind, entry in kernels_needed(config):
        _compile.prepare(kind, entry, config.dtype)
    return time.perf_counter() - start


def run(config: Config, progress: Progress | None = None, histogram: Histogram | None = None) -> list[LayerResult]:
    """Fill every parameter of ``config`` in order, timing each fill and measuring the values in float64."""
    spec = INITIALIZERS[config.init]
    kwargs: dict[str, Any] = {"mode": config.mode, **spec.kwargs} if spec.takes_mode else dict(spec.kwargs)
    init_label = f"{config.init}({config.mode})" if spec.takes_mode else config.init
    gen = Generator(config.seed)
    results = []
    for index, ((name, shape), rule) in enumerate(zip(config.params, config.rules, strict=True)):
        if progress is not None:
            progress.update(index, name)
        try:
            array = np.zeros(shape, config.dtype)
        except ValueError as e:  # NumPy's "array is too big"
            raise MemoryError(str(e)) from None
        array.fill(0)  # touch the memory now, so the timed fill does not pay for page faults
        fan_in: int | None = None
        fan_out: int | None = None
        if len(shape) >= 2:
            fan_in, fan_out = compute_fans(shape)
        start = time.perf_counter()
        if rule == INIT:
            spec.fill(array, generator=gen, **kwargs)
        elif rule == ZEROS:
            init.constant(array, 0.0)
        elif rule == ONES:
            init.constant(array, 1.0)
        else:
            init.normal(array, 0.0, EMBEDDING_STD, generator=gen)
        seconds = time.perf_counter() - start
        if rule == INIT:
            target_mean, target_std = spec.target(tuple(shape), config.mode)
            label = init_label
            if histogram is not None:
                histogram.add(array, target_mean, target_std)
        else:
            target_mean, target_std, label = {
                ZEROS: (0.0, 0.0, "zeros"),
                ONES: (1.0, 0.0, "ones"),
                EMBEDDING: (0.0, EMBEDDING_STD, f"normal(0, {EMBEDDING_STD})"),
            }[rule]
            fan_in = fan_out = None  # fans only mean something for the chosen initializer
        results.append(LayerResult(
            name=name, shape=tuple(shape), rule=rule, fill=label, fan_in=fan_in, fan_out=fan_out,
            target_mean=target_mean, target_std=target_std,
            mean=float(np.mean(array, dtype=np.float64)), std=float(np.std(array, dtype=np.float64)),
            seconds=seconds,
        ))
    return results


# --- reporting ------------------------------------------------------------------------------
COLUMNS = ("name", "shape", "fan_in", "fan_out", "fill", "target std", "measured std", "measured mean", "time (ms)")
LEFT = {"name", "shape", "fill"}


def _row(r: LayerResult) -> list[str]:
    return [
        r.name,
        "x".join(str(d) for d in r.shape),
        "-" if r.fan_in is None else str(r.fan_in),
        "-" if r.fan_out is None else str(r.fan_out),
        r.fill,
        f"{r.target_std:.6f}",
        f"{r.std:.6f}",
        f"{r.mean:+.2e}",
        f"{r.seconds * 1e3:.3f}",
    ]


def format_table(results: Sequence[LayerResult]) -> str:
    """The per-parameter table, columns aligned (text left, numbers right)."""
    rows = [list(COLUMNS)] + [_row(r) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    rows.insert(1, ["-" * w for w in widths])
    lines = []
    for row in rows:
        cells = [c.ljust(w) if h in LEFT else c.rjust(w) for c, w, h in zip(row, widths, COLUMNS, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


RULE_TEXT = {
    INIT: ">=2-D weights: {init}",
    ZEROS: "biases: zeros",
    ONES: "other 1-D parameters (norm scales): ones",
    EMBEDDING: f"other parameters (tokens, embeddings): normal(0, {EMBEDDING_STD})",
}


def format_rules(results: Sequence[LayerResult]) -> str:
    """The fill rules that this run used, in one line."""
    used = {r.rule: r.fill for r in results if r.rule == INIT} | {r.rule: "" for r in results if r.rule != INIT}
    parts = [RULE_TEXT[rule].format(init=used.get(INIT, "")) for rule in RULE_TEXT if rule in used]
    return "fill rule: " + "; ".join(parts)


def _rate(elements: int, seconds: float) -> float:
    return elements / seconds if seconds > 0 else math.inf


def format_totals(results: Sequence[LayerResult]) -> str:
    """The totals line: parameters, tensors, fill seconds and elements per second."""
    elements = sum(r.size for r in results)
    seconds = sum(r.seconds for r in results)
    tensors = f"{len(results)} tensor{'s' if len(results) != 1 else ''}"
    return (f"total: {elements:,} parameters in {tensors}; filled in {seconds:.4f} s "
            f"({_rate(elements, seconds) / 1e6:,.1f} M elements/s)")


def _header(config: Config, threads: int) -> str:
    what = f"preset {config.preset}" if config.preset else "custom shape"
    init_label = config.init + (f" (mode={config.mode})" if INITIALIZERS[config.init].takes_mode else "")
    return f"lucid {__version__}: {what}, init {init_label}, {config.dtype}, seed {config.seed}, {threads} threads"


def to_json(config: Config, results: Sequence[LayerResult], threads: int) -> dict[str, Any]:
    """The run as a JSON-ready dict: the settings, one entry per parameter and the totals."""
    elements = sum(r.size for r in results)
    seconds = sum(r.seconds for r in results)
    rate = _rate(elements, seconds)
    return {
        "lucid": __version__,
        "preset": config.preset,
        "shape": list(config.params[0][1]) if config.preset is None else None,
        "init": config.init,
        "mode": config.mode if INITIALIZERS[config.init].takes_mode else None,
        "dtype": config.dtype,
        "seed": config.seed,
        "threads": threads,
        "plot": config.plot,
        "layers": [
            {
                "name": r.name,
                "shape": list(r.shape),
                "fill": r.fill,
                "fan_in": r.fan_in,
                "fan_out": r.fan_out,
                "target_mean": r.target_mean,
                "target_std": r.target_std,
                "measured_std": r.std,
                "measured_mean": r.mean,
                "time_ms": r.seconds * 1e3,
            }
            for r in results
        ],
        "totals": {
            "tensors": len(results),
            "parameters": elements,
            "seconds": seconds,
            "elements_per_second": rate if math.isfinite(rate) else None,
        },
    }


def write_plot(path: str, histogram: Histogram, title: str) -> None:
    """Draw ``histogram`` as a density against the standard normal or unit-variance uniform density, to ``path``."""
    from matplotlib.figure import Figure  # optional dependency, checked before the run

    widths = np.diff(histogram.edges)
    density = histogram.counts / (max(histogram.total, 1) * widths)
    x = np.linspace(histogram.edges[0], histogram.edges[-1], 1001)
    if histogram.density == "normal":
        reference = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        label = "standard normal density"
    elif histogram.density == "truncated_normal":
        # Unit variance: z = x * TRUNCATED_STD_2 is a standard normal cut to [-2, 2].
        z = x * _init.TRUNCATED_STD_2
        mass = math.erf(2 / math.sqrt(2))
        density = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) / mass * _init.TRUNCATED_STD_2
        reference = np.where(np.abs(z) <= 2, density, 0.0)
        label = "normal density cut at 2 stds, scaled to unit variance"
    else:
        half = math.sqrt(3.0)
        reference = np.where(np.abs(x) <= half, 1 / (2 * half), 0.0)
        label = "uniform density on [-sqrt(3), sqrt(3)]"
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    ax.stairs(density, histogram.edges, fill=True, alpha=0.5, color="tab:blue",
              label=f"(value - target mean) / target std, {histogram.total:,} values")
    ax.plot(x, reference, color="tab:red", linewidth=1.5, label=label)
    ax.set_ylim(0, 1.3 * max(float(density.max()), float(reference.max())))  # room for the legend
    ax.set_xlabel("standardized value")
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend(loc="upper right")
    fig.savefig(path, dpi=100)


# --- the command -------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (``sys.argv[1:]`` if None); return the exit code.

    0 on success; 2 for a bad argument (with a usage message on stderr, as argparse
    does); 1 when the tensors do not fit in memory or the plot cannot be written.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["compile"]:
        return compile_main(args[1:])
    try:
        config = parse_args(args)
    except SystemExit as e:  # argparse's errors (2) and --help/--version (0)
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)

    previous_threads = numba.get_num_threads()
    try:
        if config.threads is not None:
            numba.set_num_threads(config.threads)
        threads = numba.get_num_threads()
        chatty = not (config.json or config.quiet)

        announce = _compile.Settings.announce
        _compile.Settings.announce = chatty and announce
        try:
            warm_up(config)
        finally:
            _compile.Settings.announce = announce

        total = sum(math.prod(shape) for _, shape in config.params)
        progress = None
        if chatty and total > PROGRESS_MIN_PARAMS and sys.stderr.isatty():
            progress = Progress(sys.stderr, len(config.params))
        histogram = Histogram(INITIALIZERS[config.init].density) if config.plot else None
        try:
            results = run(config, progress, histogram)
        except MemoryError as e:
            print(f"{PROG}: error: cannot allocate the parameters: {e}", file=sys.stderr)
            return 1
        finally:
            if progress is not None:
                progress.close()

        if config.plot and histogram is not None:
            init_label = config.init + (f"({config.mode})" if INITIALIZERS[config.init].takes_mode else "")
            title = f"{config.preset or 'custom shape'}: {init_label}, {config.dtype}, seed {config.seed}"
            try:
                write_plot(config.plot, histogram, title)
            except (OSError, ValueError) as e:
                print(f"{PROG}: error: cannot write the plot: {e}", file=sys.stderr)
                return 1

        if config.json:
            print(json.dumps(to_json(config, results, threads), indent=2))
            return 0
        if not config.quiet:
            print(_header(config, threads))
            print(format_table(results))
            if config.preset is not None:
                print(format_rules(results))
            if config.plot:
                print(f"plot: {config.plot}")
        print(format_totals(results))
        return 0
    finally:
        numba.set_num_threads(previous_threads)


# --- lucid compile ----------------------------------------------------------------------------------
class Bar:
    """A progress bar on a terminal (redrawn in place), or one line per step elsewhere (CI logs)."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.width = 0

    def __call__(self, done: int, total: int, label: str) -> None:
        filled = self.WIDTH * done // max(total, 1)
        line = f"lucid: [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} {label}"
        if self.tty:
            self.stream.write("\r" + line.ljust(self.width))
            self.width = max(self.width, len(line))
            if done == total:
                self.stream.write("\n")
        elif done < total:
            self.stream.write(line + "\n")
        self.stream.flush()


def compile_main(argv: Sequence[str]) -> int:
    """``lucid compile``: compile every kernel ahead of time; return the exit code (2 for a bad argument)."""
    parser = argparse.ArgumentParser(
        prog=f"{PROG} compile",
        description="Compile Lucid's kernels ahead of time (for Docker images, CI caches, Dask workers): every "
        "distribution for each output type, on one thread, on all threads and for chunks. Numba caches the "
        "machine code, so later processes fill without compiling.")
    parser.add_argument("--dtype", nargs="+", choices=tuple(_compile.KERNEL_TYPES), default=None,
                        help="output types (default: all)")
    parser.add_argument("--entry", nargs="+", choices=_compile.ENTRY_POINTS, default=None,
                        help="entry points: serial (one thread), parallel (all threads), rows (shards and Dask chunks, "
                             "one thread), rows_parallel (shards, all threads) (default: all)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    dtypes = args.dtype or list(_compile.KERNEL_TYPES)
    entries = args.entry or list(_compile.ENTRY_POINTS)
    count, seconds = _compile.compile_all(dtypes, entries, None if args.quiet else Bar(sys.stderr))
    print(f"lucid: {count} kernels compiled or loaded in {seconds:.1f} s; cached in {_compile.cache_dir()}")
    return 0
