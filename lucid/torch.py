"""PyTorch models on Lucid: whole modules, rules, name-keyed streams, and unmodified model code.

Three ways in, all writing PyTorch CPU tensors in place with autograd's semantics (the
version counter moves, no graph is recorded, nothing else about the tensor changes):

* one tensor: any ``lucid.nn.init`` function takes a PyTorch tensor (float16, bfloat16,
  float32 or float64, on the CPU);
* a whole module: :func:`init_module` fills every parameter with the distribution PyTorch's own
  ``reset_parameters`` gives that layer, or the one a :class:`Rule` says, each parameter from the
  stream named by its qualified name;
* unmodified model code: inside ``with use(seed=0):`` every ``torch.nn.init`` function (and so every
  layer's ``reset_parameters``) draws from Lucid.

Needs the ``torch`` extra: ``pip install 'lucid-init[torch]'``.

Example:
    >>> import torch, lucid.torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    >>> _ = lucid.torch.init_module(model, seed=0)
    >>> with lucid.torch.use(seed=0):
    ...     fresh = torch.nn.Linear(8, 4)
"""

from __future__ import annotations

try:
    import torch
except ImportError as _error:  # pragma: no cover - the torch session always has it
    raise ImportError(
        "lucid.torch needs PyTorch, which Lucid's 'torch' extra installs: pip install 'lucid-init[torch]'"
    ) from _error

import contextlib
import contextvars
import functools
import inspect
import math
import sys
import threading
import types
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from torch import nn
from torch.nn.parameter import UninitializedBuffer, UninitializedParameter

from .kernels import compute_fans
from .nn import init as _init
from .nn._checks import dtensor_shard, is_dtensor
from .random import Generator, default_generator

__all__ = ["Rule", "init_module", "use"]

_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
# Lucid's public initializers, the only ones a rule may name.
_INITIALIZERS = {getattr(_init, name) for name in _init.__all__ if name != "calculate_gain"}


_EXACT = {_init.zeros: 0, _init.ones: 1, _init.zeros_: 0, _init.ones_: 1}


@functools.cache
def _takes_generator(initializer: Callable[..., Any]) -> bool:
    return "generator" in inspect.signature(initializer).parameters


# --- what to write into one parameter ------------------------------------------------------
@dataclass(frozen=True)
class _Fill:
    """One parameter's initializer and its keyword arguments; ``zero_row`` is Embedding's padding row."""

    initializer: Callable[..., Any]
    args: Mapping[str, Any] = field(default_factory=dict)
    zero_row: int | None = None

    def __call__(self, tensor: torch.Tensor, generator: Generator) -> None:
        """Write the values into ``tensor`` (a CPU tensor), drawing from ``generator``."""
        if self.initializer in _EXACT and not is_dtensor(tensor):  # 0 and 1 are exact in every dtype: PyTorch's
            with torch.no_grad():  # fill_ writes the same bits (and moves the version counter, as in-place ops do)
                tensor.fill_(_EXACT[self.initializer])
        elif _takes_generator(self.initializer):
            self.initializer(tensor, **self.args, generator=generator)
        else:
            self.initializer(tensor, **self.args)
        if self.zero_row is not None:
            _zero_row(tensor, self.zero_row)


def _zero_row(tensor: torch.Tensor, row: int) -> None:
    """``tensor[row] = 0``; for a DTensor, the part of that row this rank holds (no communication)."""
    shard = dtensor_shard("init_module", tensor)
    with torch.no_grad():
        if shard is None:
            tensor[row].fill_(0)
        elif 0 <= row - shard.offset[0] < shard.local.shape[0]:
            shard.local[row - shard.offset[0]].fill_(0)


def _uniform(bound: float) -> _Fill:
    return _Fill(_init.uniform, {"a": -bound, "b": bound})


def _fan_in_bound(weight: torch.Tensor) -> float:
    """PyTorch's bias bound ``1 / sqrt(fan_in)`` of a Linear or convolution weight (0 for fan_in 0)."""
    fan_in = compute_fans(tuple(weight.shape))[0]
    return 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0


# --- PyTorch's table: each layer's reset_parameters, as Lucid initializers -------------------
# Each entry maps a module to {name relative to the module: fill}. A name may reach into a
# child ("out_proj.bias"); an ancestor's entry overrides its descendants' (as PyTorch's
# constructors run the outer reset last).
Table = Callable[[Any], dict[str, _Fill]]  # takes the layer (typed Any: each reads its own attributes)

_ONES, _ZEROS = _Fill(_init.ones), _Fill(_init.zeros)


def _linear_or_conv(m: Any) -> dict[str, _Fill]:
    # kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)); ConvTranspose's (in, out/groups, *k)
    # weight gets fans from the same (out, in, *k) reading, as in PyTorch.
    out = {"weight": _Fill(_init.kaiming_uniform, {"a": math.sqrt(5)})}
    if m.bias is not None:
        out["bias"] = _uniform(_fan_in_bound(m.weight))
    return out


def _bilinear(m: Any) -> dict[str, _Fill]:
    bound = 1 / math.sqrt(m.weight.shape[1])
    return {name: _uniform(bound) for name in ("weight", "bias") if getattr(m, name) is not None}


def _embedding(m: Any) -> dict[str, _Fill]:
    return {"weight": _Fill(_init.normal, {"mean": 0.0, "std": 1.0}, zero_row=m.padding_idx)}


def _affine_norm(m: Any) -> dict[str, _Fill]:
    return {name: fill for name, fill in (("weight", _ONES), ("bias", _ZEROS)) if getattr(m, name, None) is not None}


def _attention(m: Any) -> dict[str, _Fill]:
    xavier = _Fill(_init.xavier_uniform)
    out = {"in_proj_weight": xavier} if m._qkv_same_embed_dim else \
        {"q_proj_weight": xavier, "k_proj_weight": xavier, "v_proj_weight": xavier}
    if m.in_proj_bias is not None:
        out["in_proj_bias"] = out["out_proj.bias"] = _ZEROS
    for name in ("bias_k", "bias_v"):
        if getattr(m, name) is not None:
            out[name] = _Fill(_init.xavier_normal)
    return out


def _recurrent(m: Any) -> dict[str, _Fill]:
    stdv = 1 / math.sqrt(m.hidden_size) if m.hidden_size > 0 else 0.0
    return {name: _uniform(stdv) for name, _ in m.named_parameters(recurse=False)}


def _prelu(m: Any) -> dict[str, _Fill]:
    return {"weight": _Fill(_init.constant, {"val": m.init})}


def _transformer(m: Any) -> dict[str, _Fill]:
    # nn.Transformer's constructor ends with xavier_uniform_ on every parameter of 2 or more dimensions.
    return {name: _Fill(_init.xavier_uniform) for name, p in m.named_parameters() if p.dim() > 1}


TABLE: dict[type, Table] = {
    nn.Linear: _linear_or_conv,
    nn.modules.conv._ConvNd: _linear_or_conv,  # Conv1/2/3d, ConvTranspose1/2/3d
    nn.Bilinear: _bilinear,
    nn.Embedding: _embedding,
    nn.EmbeddingBag: _embedding,
    nn.LayerNorm: _affine_norm,
    nn.RMSNorm: _affine_norm,
    nn.GroupNorm: _affine_norm,
    nn.modules.batchnorm._NormBase: _affine_norm,  # BatchNorm*, SyncBatchNorm, InstanceNorm*
    nn.MultiheadAttention: _attention,
    nn.RNNBase: _recurrent,  # RNN, LSTM, GRU
    nn.RNNCellBase: _recurrent,  # RNNCell, LSTMCell, GRUCell
    nn.PReLU: _prelu,
    nn.Transformer: _transformer,
}


def _table_of(module: nn.Module) -> Table | None:
    """PyTorch's entry for ``module``'s type, or None: unknown, or a subclass that redefines its reset."""
    mro = type(module).__mro__
    for depth, cls in enumerate(mro):
        if cls in TABLE:
            redefined = [k for k in mro[:depth] if not k.__module__.startswith("torch.nn.")
                         and ("reset_parameters" in vars(k) or "_reset_parameters" in vars(k))]
            return None if redefined else TABLE[cls]
    return None


def _reset_buffers(module: nn.Module) -> dict[str, Callable[[torch.Tensor], Any]]:
    """The buffers PyTorch's ``reset_parameters`` resets (BatchNorm's and InstanceNorm's running statistics)."""
    if isinstance(module, nn.modules.batchnorm._NormBase) and module.track_running_stats:
        return {"running_mean": torch.Tensor.zero_, "running_var": lambda b: b.fill_(1),
                "num_batches_tracked": torch.Tensor.zero_}
    return {}


# --- rules --------------------------------------------------------------------------------------
class Rule:
    """Fill the parameters a rule matches with a ``lucid.nn.init`` initializer and its arguments.

    A rule matches a parameter when both of its filters do (an omitted filter matches all):

    * ``module``: a module type (or a tuple of types) that owns the parameter directly (``isinstance``);
    * ``name``: an ``fnmatch`` pattern matched against the parameter's qualified name
      (``"layer1.0.conv1.weight"``) or its own name (``"weight"``): ``"weight"``, ``"*c_proj.weight"``,
      ``"layer1.*"``.

    Rules override PyTorch's table, and a later rule overrides an earlier one. The initializer draws
    from the parameter's own named stream; do not pass ``generator``. Fans follow the initializer's
    vocabulary: Lucid's, PyTorch's and timm's names read PyTorch's ``(out, in, *kernel)`` weights as they are;
    JAX's names (``lecun_*``, ``glorot_*``, ``he_*``, ``variance_scaling``) read JAX's ``(..., in, out)``
    unless given ``in_axis=1, out_axis=0``.

    Args:
        initializer: a function of ``lucid.nn.init`` (any vocabulary).
        module: a ``torch.nn.Module`` subclass or a tuple of them, or None.
        name: an ``fnmatch`` pattern, or None.
        **args: the initializer's keyword arguments (``mode="fan_out"``, ``std=0.02``, ``val=1.0``).

    Raises:
        TypeError: ``initializer`` is not one of ``lucid.nn.init``'s, ``module`` is not a Module
            type, ``name`` is not a str, or ``args`` do not fit the initializer's signature.

    Example:
        >>> import torch, lucid.torch
        >>> from lucid.nn.init import kaiming_normal
        >>> rule = lucid.torch.Rule(kaiming_normal, module=torch.nn.Conv2d, name="weight",
        ...                         mode="fan_out", nonlinearity="relu")
        >>> rule
        Rule(kaiming_normal, module=Conv2d, name='weight', mode='fan_out', nonlinearity='relu')
    """

    __slots__ = ("initializer", "module", "name", "args")

    def __init__(self, initializer: Callable[..., Any], *, module: type | tuple[type, ...] | None = None,
                 name: str | None = None, **args: Any) -> None:
        if initializer not in _INITIALIZERS:
            raise TypeError(f"Rule(): initializer must be a function of lucid.nn.init, got {initializer!r}")
        if module is not None:
            types_ = module if isinstance(module, tuple) else (module,)
            if not types_ or not all(isinstance(t, type) and issubclass(t, nn.Module) for t in types_):
                raise TypeError(f"Rule(): module must be a torch.nn.Module subclass or a tuple of them, got {module!r}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Rule(): name must be an fnmatch pattern (a str) or None, got {type(name).__name__}")
        if "generator" in args:
            raise TypeError("Rule(): do not pass generator; init_module draws each parameter from its named stream")
        try:
            inspect.signature(initializer).bind(None, **args)
        except TypeError as e:
            raise TypeError(f"Rule(): the arguments {args} do not fit {initializer.__name__}(): {e}") from None
        self.initializer, self.module, self.name, self.args = initializer, module, name, dict(args)

    def matches(self, owner: nn.Module, qualified: str) -> bool:
        """Whether the parameter ``qualified``, registered on ``owner``, is one this rule fills."""
        if self.module is not None and not isinstance(owner, self.module):
            return False
        own = qualified.rpartition(".")[2]
        return self.name is None or fnmatchcase(qualified, self.name) or fnmatchcase(own, self.name)

    def __repr__(self) -> str:
        parts = [self.initializer.__name__]
        if self.module is not None:
            names = [t.__name__ for t in (self.module if isinstance(self.module, tuple) else (self.module,))]
            parts.append("module=" + (names[0] if not isinstance(self.module, tuple) else f"({', '.join(names)})"))
        if self.name is not None:
            parts.append(f"name={self.name!r}")
        parts += [f"{k}={v!r}" for k, v in self.args.items()]
        return f"Rule({', '.join(parts)})"


# --- init_module ------------------------------------------------------------------------------
@dataclass
class _Target:
    """A tensor init_module writes: its qualified name, owner, own name and fill (None until found)."""

    name: str
    owner: nn.Module
    local: str
    tensor: torch.Tensor
    fill: _Fill | None = None
    ruled: bool = False  # the fill comes from a rule (checked by a probe before any write)


def _root_generator(fn: str, seed: Any, generator: Any) -> Generator:
    if generator is not None and seed is not None:
        raise ValueError(f"{fn}(): pass seed or generator, not both")
    if isinstance(generator, torch.Generator):
        raise TypeError(f"{fn}(): generator must be a lucid.random.Generator, got a torch.Generator; "
                        "Lucid's streams come from lucid.random.Generator(seed)")
    if generator is not None:
        if not isinstance(generator, Generator):
            raise TypeError(f"{fn}(): generator must be a lucid.random.Generator or None, "
                            f"got {type(generator).__name__}")
        return generator
    if seed is None:
        return default_generator().spawn(1)[0]
    try:
        return Generator(seed)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{fn}(): {e}") from None


Modules = list[tuple[str, nn.Module]]  # named_modules(), listed once per call


def _parameters(modules: Modules, rules: list[Rule]) -> list[_Target]:
    """Every parameter (a tied one once) with its fill: PyTorch's table, then the rules; unknowns refused."""
    targets: dict[str, _Target] = {}
    seen: set[int] = set()
    for prefix, sub in modules:  # as named_parameters() lists them, with their owners
        for local, p in sub._parameters.items():
            if p is not None and id(p) not in seen:
                seen.add(id(p))
                name = f"{prefix}.{local}" if prefix else local
                _check_tensor(f"parameter {name!r}", p)  # before the table reads any shape
                targets[name] = _Target(name, sub, local, p)
    # Descendants first, so that an ancestor's entry (MultiheadAttention's out_proj.bias) overrides them.
    for prefix, sub in reversed(modules):
        table = _table_of(sub)
        for relative, fill in (table(sub) if table else {}).items():
            name = f"{prefix}.{relative}" if prefix else relative
            if name in targets:
                targets[name].fill = fill
    for rule in rules:
        for target in targets.values():
            if rule.matches(target.owner, target.name):
                target.fill = _Fill(rule.initializer, rule.args, _padding_row(target))
                target.ruled = True
    uncovered: dict[str, list[_Target]] = {}
    for target in targets.values():
        if target.fill is None:
            uncovered.setdefault(type(target.owner).__qualname__, []).append(target)
    if uncovered:
        listed = "; ".join(f"{kind} ({', '.join(t.name for t in ts)})" for kind, ts in uncovered.items())
        kind, first = next(iter(uncovered.items()))
        raise TypeError(
            f"init_module(): PyTorch's table has no entry for (or the type redefines reset_parameters of) "
            f"the module types {listed}, and no rule covers those parameters; add a lucid.torch.Rule for each, "
            f"e.g. Rule(lucid.nn.init.<initializer>, module={kind}, name={first[0].local!r}, <its arguments>)"
        )
    return list(targets.values())


def _padding_row(target: _Target) -> int | None:
    """Embedding's padding row stays zero whatever fills the weight, as the layer promises."""
    owner = target.owner
    if isinstance(owner, (nn.Embedding, nn.EmbeddingBag)) and target.local == "weight":
        return owner.padding_idx
    return None


@dataclass
class _Buffer:
    """A buffer init_module resets: its qualified name, owner, own name and reset."""

    name: str
    owner: nn.Module
    local: str
    reset: Callable[[torch.Tensor], Any]

    @property
    def tensor(self) -> torch.Tensor:
        return self.owner._buffers[self.local]  # type: ignore[return-value]


def _buffers(modules: Modules) -> list[_Buffer]:
    """The buffers PyTorch's layers reset, in module order."""
    out = []
    for prefix, sub in modules:
        for local, reset in _reset_buffers(sub).items():
            if sub._buffers.get(local) is not None:
                out.append(_Buffer(f"{prefix}.{local}" if prefix else local, sub, local, reset))
    return out


def _check_tensor(name: str, tensor: torch.Tensor) -> None:
    """A tensor init_module can write: on the CPU or the meta device, materialized, of a float dtype."""
    if isinstance(tensor, (UninitializedParameter, UninitializedBuffer)):
        raise ValueError(f"init_module(): {name} is uninitialized (a lazy module); run one forward pass first")
    if tensor.device.type not in ("cpu", "meta"):
        raise TypeError(f"init_module(): {name} is on device {tensor.device}; Lucid fills CPU tensors: "
                        "initialize the module on the CPU (or the meta device), then move it with .to(device)")


def _probe(target: _Target, done: set[Any]) -> None:
    """Run a rule's argument checks on an empty stand-in of the parameter's dtype and rank (no write).

    PyTorch's table needs no probe: its fills fit their layers' parameters by construction. ``done``
    holds the (initializer, arguments, dtype, shape) already probed.
    """
    assert target.fill is not None
    shape = tuple(target.tensor.shape)
    try:
        key = (target.fill.initializer, tuple(sorted(target.fill.args.items())), target.tensor.dtype, shape)
        if key in done:
            return
        done.add(key)
    except TypeError:  # an unhashable argument: probe every time
        pass
    probe = torch.empty(shape[:-1] + (0,) if shape else (), dtype=target.tensor.dtype)  # a 0-d one: a scratch
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _Fill(target.fill.initializer, target.fill.args)(probe, Generator(0))
    except (TypeError, ValueError) as e:
        message = str(e).replace(f"shape {tuple(probe.shape)}", f"shape {shape}")  # the stand-in's shape: the real one
        raise type(e)(f"init_module(): parameter {target.name!r} ({target.tensor.dtype}): {message}") from None


def _materialize(modules: Modules) -> None:
    """Give every meta parameter and buffer CPU memory (uninitialized); tied tensors stay tied.

    A module with DTensor parameters (FSDP2's ``fully_shard``, a DeviceMesh) is materialized by
    ``module.to_empty(device="cpu")``, which their owners hook: each rank allocates its shards only.
    """
    root = modules[0][1]  # named_modules() starts with the module itself
    if any(is_dtensor(p) and p.device.type == "meta" for p in root.parameters()):
        root.to_empty(device="cpu")
        return
    made: dict[int, torch.Tensor] = {}
    for _, sub in modules:
        for registry in (sub._parameters, sub._buffers):
            for local, t in list(registry.items()):
                if t is None or t.device.type != "meta":
                    continue
                if id(t) not in made:
                    fresh = torch.empty_like(t, device="cpu")
                    made[id(t)] = nn.Parameter(fresh, t.requires_grad) if isinstance(t, nn.Parameter) else fresh
                setattr(sub, local, made[id(t)])  # setattr: RNNs refresh their flat weight list


def _fill_parameter(tensor: torch.Tensor, fill: _Fill, root: Generator, name: str) -> None:
    """Fill one parameter: its values are ``fill``'s distribution drawn from the stream ``root.child(name)``.

    The one place init_module writes a parameter: its values depend only on the root key, the
    qualified name, the shape, the dtype and the fill.
    """
    fill(tensor, root.child(name))


def init_module(module: nn.Module, *, seed: int | None = None, generator: Generator | None = None,
                rules: Iterable[Rule] | None = None) -> nn.Module:
    """Fill every parameter of ``module`` as PyTorch's layers do, each from its own named stream.

    Each parameter gets the distribution its layer's ``reset_parameters`` gives it, with the bounds
    and standard deviations computed from the layer's own dimensions:

    ==========================================  ==================================================
    layer                                       parameters
    ==========================================  ==================================================
    Linear, Conv1/2/3d, ConvTranspose1/2/3d     weight ``U(-b, b)``, ``b = 1/sqrt(fan_in)``
                                                (kaiming_uniform, ``a = sqrt(5)``); bias the same
                                                ``U(-b, b)`` with the weight's fan_in
    Bilinear                                    weight, bias ``U(-b, b)``, ``b = 1/sqrt(in1_features)``
    Embedding, EmbeddingBag                     ``N(0, 1)``, the ``padding_idx`` row zero
    LayerNorm, RMSNorm, GroupNorm, BatchNorm*,  weight 1, bias 0; BatchNorm's and InstanceNorm's
    InstanceNorm*                               running mean 0, var 1, num_batches_tracked 0
    MultiheadAttention                          in-projections xavier_uniform, in/out-projection
                                                biases 0, bias_k/bias_v xavier_normal (out_proj's
                                                weight: Linear's)
    RNN, LSTM, GRU and their cells              every parameter ``U(-1/sqrt(hidden), 1/sqrt(hidden))``
    PReLU                                       its ``init`` value
    Transformer                                 every parameter with 2+ dimensions xavier_uniform;
                                                Transformer*Layer: through their children
    ==========================================  ==================================================

    ``rules`` override this table (see :class:`Rule`). Parameter ``p`` with qualified name ``n`` is
    filled from ``root.child(n)``, where ``root`` is ``Generator(seed)``, or ``generator`` (its key
    only: its state does not change), or a fresh child spawned from the default generator: adding
    layers, reordering modules or freezing one changes no other parameter's values. A parameter tied
    to several modules is filled once, under the first name ``named_parameters()`` gives it.

    Parameters on the ``meta`` device are materialized on the CPU first (tied ones stay tied), so a
    model too big to build twice is built once: ``with torch.device("meta"): m = build()`` then
    ``init_module(m, seed=0)``.

    Args:
        module: the ``torch.nn.Module`` to fill, in place (parameters on the CPU or the meta device).
        seed: an int in ``[0, 2**64)``; or None.
        generator: a ``lucid.random.Generator``, whose key roots the names; or None.
        rules: :class:`Rule` objects; later rules override earlier ones and the table.

    Returns:
        ``module``.

    Raises:
        TypeError: ``module`` is not a Module; a module type with parameters that neither the
            table nor a rule covers (named in the message); a tensor on a device other than the CPU or
            meta; a parameter dtype other than float16/bfloat16/float32/float64; a ``torch.Generator``.
        ValueError: both ``seed`` and ``generator``; a lazy module's uninitialized parameter; a meta
            buffer Lucid does not know how to reset; a rule's arguments that do not fit a parameter.

    Everything is checked before the first write: an error leaves every tensor unchanged.

    Example:
        >>> import torch, lucid.torch
        >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8))
        >>> _ = lucid.torch.init_module(net, seed=0)
        >>> bool(net[0].weight.abs().max() <= 1 / 27 ** 0.5), net[1].weight.unique().tolist()
        (True, [1.0])
    """
    fn = "init_module"
    if not isinstance(module, nn.Module):
        raise TypeError(f"{fn}(): module must be a torch.nn.Module, got {type(module).__name__}")
    root = _root_generator(fn, seed, generator)
    rules = list(rules or ())
    for rule in rules:
        if not isinstance(rule, Rule):
            raise TypeError(f"{fn}(): rules must be lucid.torch.Rule objects, got {type(rule).__name__}")
    modules = list(module.named_modules())
    targets = _parameters(modules, rules)
    buffers = _buffers(modules)
    probed: set[Any] = set()
    for target in targets:
        if target.tensor.dtype not in _DTYPES:
            raise TypeError(f"{fn}(): parameter {target.name!r} has dtype {target.tensor.dtype}; "
                            "Lucid fills float16, bfloat16, float32 and float64")
        if target.ruled:
            _probe(target, probed)
    for buffer in buffers:
        _check_tensor(f"buffer {buffer.name!r}", buffer.tensor)
    reset = {id(buffer.tensor) for buffer in buffers}
    unknown = [f"{prefix}.{local}" if prefix else local for prefix, sub in modules
               for local, b in sub._buffers.items() if b is not None and b.is_meta and id(b) not in reset]
    if unknown:
        raise ValueError(f"{fn}(): the meta buffers {', '.join(unknown)} hold values Lucid cannot know; "
                         "materialize the module yourself (module.to_empty(device='cpu')), set those buffers, "
                         "then call init_module")
    if any(t.tensor.is_meta for t in targets) or any(b.tensor.is_meta for b in buffers):
        _materialize(modules)
    for target in targets:
        assert target.fill is not None
        _fill_parameter(target.owner._parameters[target.local], target.fill, root, target.name)  # type: ignore[arg-type]
    with torch.no_grad():
        for buffer in buffers:
            buffer.reset(buffer.tensor)
    return module


# --- use(): unmodified model code -----------------------------------------------------------------
# The torch.nn.init functions routed through Lucid while a use() block runs.
ROUTED = ("uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
          "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_")

_active: contextvars.ContextVar[Generator | None] = contextvars.ContextVar("lucid_torch_use", default=None)


class _Routing:
    """Process-wide state: how many use() blocks run (any thread), the originals and routes, and where they are.

    ``holders`` are the (module globals, name) pairs found holding an original or a route; ``scanned`` maps
    each module scanned to its number of globals then, so a later block scans only new or grown modules.
    """

    lock = threading.Lock()
    depth = 0
    originals: dict[str, Callable[..., Any]] = {name: getattr(torch.nn.init, name) for name in ROUTED}
    routes: dict[str, Callable[..., Any]] = {}
    holders: dict[tuple[int, str], tuple[dict[str, Any], str]] = {}
    scanned: dict[int, tuple[types.ModuleType, int]] = {}  # the module is kept so that its id stays its own


def _route(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """``torch.nn.init.<name>`` that fills through Lucid inside a use() block and is PyTorch's outside."""
    lucid_fn = getattr(_init, name)
    signature = inspect.signature(original)
    random = "generator" in signature.parameters
    # positional arguments that come before generator (tensor included): fewer, and no generator= keyword,
    # means no generator was passed, and Lucid's can go in as a keyword without binding the signature
    before_generator = list(signature.parameters).index("generator") if random else 0

    @functools.wraps(original)
    def routed(tensor: Any, *args: Any, **kwargs: Any) -> Any:
        generator = _active.get()
        if generator is None or not isinstance(tensor, torch.Tensor) or tensor.device.type == "meta":
            return original(tensor, *args, **kwargs)  # outside a block, or nothing to fill: PyTorch's
        if not random:
            if tensor.dtype not in _DTYPES:  # a constant into an integer tensor: the same bits either way
                return original(tensor, *args, **kwargs)
            return lucid_fn(tensor, *args, **kwargs)
        if len(args) < before_generator and "generator" not in kwargs:  # the usual call, without binding
            return lucid_fn(tensor, *args, generator=generator, **kwargs)
        bound = signature.bind(tensor, *args, **kwargs)
        if bound.arguments.get("generator") is not None:
            raise TypeError(f"torch.nn.init.{name}(): got a {type(bound.arguments['generator']).__name__} "
                            f"inside lucid.torch.use(), which draws from its own lucid.random.Generator; "
                            "drop generator= (or pass use(generator=lucid.random.Generator(seed)))")
        bound.arguments["generator"] = generator
        return lucid_fn(*bound.args, **bound.kwargs)

    return routed


def _swap(mapping: Mapping[int, Callable[..., Any]]) -> None:
    """In every loaded module, replace each global that is a key's function by the mapped one.

    Reaches ``from torch.nn.init import xavier_uniform_`` in PyTorch's own modules and in model code.
    Modules seen before with as many globals are not scanned again: their holders are known.
    """
    wanted = {id(f) for f in _Routing.originals.values()} | {id(f) for f in _Routing.routes.values()}
    for mod in list(sys.modules.values()):
        namespace = getattr(mod, "__dict__", None) if isinstance(mod, types.ModuleType) else None
        if not isinstance(namespace, dict):
            continue
        seen = _Routing.scanned.get(id(mod))
        if seen is not None and seen[0] is mod and seen[1] == len(namespace):
            continue
        _Routing.scanned[id(mod)] = (mod, len(namespace))
        for attr, value in list(namespace.items()):
            if id(value) in wanted:
                _Routing.holders[(id(namespace), attr)] = (namespace, attr)
    for namespace, attr in _Routing.holders.values():
        value = namespace.get(attr)
        if id(value) in mapping:
            namespace[attr] = mapping[id(value)]


@contextlib.contextmanager
def use(seed: int | None = None, *, generator: Generator | None = None) -> Iterator[Generator]:
    """Route ``torch.nn.init``'s functions through Lucid while the block runs.

    ``with use(seed=0): model = build_model()`` runs unmodified model code; every call of
    ``torch.nn.init.uniform_, normal_, trunc_normal_, constant_, ones_, zeros_, eye_, dirac_,
    xavier_uniform_, xavier_normal_, kaiming_uniform_, kaiming_normal_, orthogonal_, sparse_`` (so every
    PyTorch layer's ``reset_parameters`` and any constructor that calls ``torch.nn.init``, also through
    ``from torch.nn.init import ...``) fills through Lucid, drawing from ``Generator(seed)`` in call
    order. The same code gives the same bits for any ``NUMBA_NUM_THREADS`` and ``torch.set_num_threads``.
    On exit, exceptions included, every function is PyTorch's again.

    Not reached: code that draws with tensor methods (``Tensor.normal_``, ``uniform_``, ``torch.randn``)
    or PyTorch's RNG directly, the deprecated aliases without ``_`` (``torch.nn.init.normal``), and
    references kept elsewhere than a module's globals (a dict of functions, a default argument). The
    routing holds in the thread (or asyncio task) that entered the block; other threads keep PyTorch's
    own init. Calls on meta tensors, and constant fills of integer tensors, stay PyTorch's (no randomness).

    Args:
        seed: an int in ``[0, 2**64)``; or None.
        generator: a ``lucid.random.Generator`` to draw from (it advances); or None for the default
            generator when ``seed`` is None too.

    Yields:
        the generator the block draws from.

    Raises:
        TypeError: ``generator`` is not a lucid.random.Generator (a ``torch.Generator`` included); inside
            the block, a ``torch.nn.init`` call with a ``generator=``, or on a CUDA tensor.
        ValueError: both ``seed`` and ``generator``.

    Example:
        >>> import torch, lucid.torch
        >>> with lucid.torch.use(seed=0):
        ...     a = torch.nn.Linear(4, 3)
        >>> with lucid.torch.use(seed=0):
        ...     b = torch.nn.Linear(4, 3)
        >>> bool(torch.equal(a.weight, b.weight))
        True
    """
    fn = "use"
    if generator is None and seed is None:
        gen = default_generator()
    else:
        gen = _root_generator(fn, seed, generator)
    with _Routing.lock:
        if _Routing.depth == 0:
            if not _Routing.routes:
                _Routing.routes = {name: _route(name, f) for name, f in _Routing.originals.items()}
            _swap({id(_Routing.originals[n]): _Routing.routes[n] for n in ROUTED})
        _Routing.depth += 1
    token = _active.set(gen)
    try:
        yield gen
    finally:
        _active.reset(token)
        with _Routing.lock:
            _Routing.depth -= 1
            if _Routing.depth == 0:
                _swap({id(_Routing.routes[n]): _Routing.originals[n] for n in ROUTED})
