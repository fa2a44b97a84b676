"""``lucid.torch.init_module``: PyTorch's per-layer distributions, rules, name-keyed streams, meta, refusals.

Run by ``nox -s torch``. Each layer's expected distribution is computed here from the layer's own
dimensions with PyTorch's formulas (not from Lucid's code), and checked with ``lucid.testing`` at its
false-failure rate; the same expectations are checked against PyTorch's own init, which proves they
are PyTorch's.
"""

import math
from collections import OrderedDict

import pytest

import lucid
from lucid.nn import init
from lucid.testing import assert_normal, assert_uniform

torch = pytest.importorskip("torch", reason="needs PyTorch: nox -s torch runs these tests")
lt = pytest.importorskip("lucid.torch", reason="needs PyTorch: nox -s torch runs these tests")
nn = torch.nn
from . import torch_models  # noqa: E402 - after the skip


# --- expected distributions, from each layer's dimensions ----------------------------------
def U(bound):
    return ("uniform", bound)


def N(std, mean=0.0):
    return ("normal", mean, std)


def C(value):
    return ("constant", value)


def linear_like(weight_fan_in, bias):
    bound = 1 / math.sqrt(weight_fan_in)
    return {"weight": U(bound), **({"bias": U(bound)} if bias else {})}


def conv_fan_in(m):
    k = math.prod(m.kernel_size)
    transposed = isinstance(m, nn.modules.conv._ConvTransposeNd)
    return (m.out_channels if transposed else m.in_channels) // m.groups * k


def xavier_uniform(shape):
    receptive = math.prod(shape[2:])
    return U(math.sqrt(6 / (shape[1] * receptive + shape[0] * receptive)))


def attention(m):
    e = m.embed_dim
    out = {"out_proj.weight": U(1 / math.sqrt(e))}
    if m._qkv_same_embed_dim:
        out["in_proj_weight"] = U(math.sqrt(6 / (e + 3 * e)))
    else:
        out.update({"q_proj_weight": U(math.sqrt(6 / (e + e))), "k_proj_weight": U(math.sqrt(6 / (e + m.kdim))),
                    "v_proj_weight": U(math.sqrt(6 / (e + m.vdim)))})
    if m.in_proj_bias is not None:
        out["in_proj_bias"] = out["out_proj.bias"] = C(0.0)
    if m.bias_k is not None:
        out["bias_k"] = out["bias_v"] = N(math.sqrt(2 / (e + e)))  # xavier_normal of (1, 1, E)
    return out


def expected(m):
    """{parameter or buffer name: expected law} for a module, from PyTorch's reset_parameters formulas."""
    own = layer_laws(m)
    if own is not None:
        return own
    out = {}  # a container (Sequential, Transformer*, ...): its children's laws
    for prefix, sub in m.named_children():
        out.update({f"{prefix}.{name}": law for name, law in expected(sub).items()})
    if isinstance(m, nn.Transformer):  # its constructor ends with xavier_uniform_ on every 2+-D parameter
        out.update({name: xavier_uniform(p.shape) for name, p in m.named_parameters() if p.dim() > 1})
    return out


def layer_laws(m):
    if isinstance(m, nn.Linear):
        return linear_like(m.in_features, m.bias is not None)
    if isinstance(m, nn.modules.conv._ConvNd):
        return linear_like(conv_fan_in(m), m.bias is not None)
    if isinstance(m, nn.Bilinear):
        return linear_like(m.in1_features, m.bias is not None)
    if isinstance(m, (nn.Embedding, nn.EmbeddingBag)):
        return {"weight": N(1.0)}
    if isinstance(m, nn.MultiheadAttention):
        return attention(m)
    if isinstance(m, (nn.RNNBase, nn.RNNCellBase)):
        return {name: U(1 / math.sqrt(m.hidden_size)) for name, _ in m.named_parameters()}
    if isinstance(m, nn.PReLU):
        return {"weight": C(m.init)}
    if isinstance(m, (nn.LayerNorm, nn.RMSNorm, nn.GroupNorm, nn.modules.batchnorm._NormBase)):
        out = {n: law for n, law in (("weight", C(1.0)), ("bias", C(0.0))) if getattr(m, n, None) is not None}
        if getattr(m, "track_running_stats", False):
            out.update({"running_mean": C(0.0), "running_var": C(1.0), "num_batches_tracked": C(0)})
        return out
    return None


def check(values, law, name):
    x = values.detach().numpy()
    if law[0] == "uniform":
        assert_uniform(x, -law[1], law[1])
    elif law[0] == "normal":
        assert_normal(x, law[1], law[2])
    else:
        assert (x == law[1]).all(), f"{name}: not all {law[1]}"


LAYERS = {
    "Linear": lambda: nn.Linear(300, 200),
    "Linear_no_bias": lambda: nn.Linear(300, 200, bias=False),
    "Conv1d_groups": lambda: nn.Conv1d(16, 32, 5, groups=2),
    "Conv2d": lambda: nn.Conv2d(16, 32, (3, 5)),
    "Conv3d": lambda: nn.Conv3d(4, 8, 3),
    "ConvTranspose1d_groups": lambda: nn.ConvTranspose1d(16, 32, 5, groups=4),
    "ConvTranspose2d": lambda: nn.ConvTranspose2d(8, 12, 3),
    "ConvTranspose3d": lambda: nn.ConvTranspose3d(4, 6, 3),
    "Conv2d_channels_last": lambda: nn.Conv2d(16, 32, 3).to(memory_format=torch.channels_last),
    "Bilinear": lambda: nn.Bilinear(30, 20, 40),
    "Embedding": lambda: nn.Embedding(500, 64),
    "EmbeddingBag": lambda: nn.EmbeddingBag(500, 64),
    "LayerNorm": lambda: nn.LayerNorm(64),
    "LayerNorm_no_bias": lambda: nn.LayerNorm(64, bias=False),
    "RMSNorm": lambda: nn.RMSNorm(64),
    "GroupNorm": lambda: nn.GroupNorm(4, 64),
    "BatchNorm1d": lambda: nn.BatchNorm1d(64),
    "BatchNorm2d": lambda: nn.BatchNorm2d(64),
    "BatchNorm3d": lambda: nn.BatchNorm3d(64),
    "SyncBatchNorm": lambda: nn.SyncBatchNorm(64),
    "InstanceNorm2d_affine_tracked": lambda: nn.InstanceNorm2d(64, affine=True, track_running_stats=True),
    "InstanceNorm1d": lambda: nn.InstanceNorm1d(64),
    "MultiheadAttention": lambda: nn.MultiheadAttention(64, 4),
    "MultiheadAttention_kdim_vdim_bias_kv": lambda: nn.MultiheadAttention(64, 4, kdim=32, vdim=48, add_bias_kv=True),
    "RNN": lambda: nn.RNN(32, 64, num_layers=2, bidirectional=True),
    "LSTM_proj": lambda: nn.LSTM(32, 64, proj_size=16),
    "GRU_no_bias": lambda: nn.GRU(32, 64, bias=False),
    "RNNCell": lambda: nn.RNNCell(32, 64),
    "LSTMCell": lambda: nn.LSTMCell(32, 64),
    "GRUCell": lambda: nn.GRUCell(32, 64),
    "PReLU": lambda: nn.PReLU(8, init=0.1),
    "TransformerEncoderLayer": lambda: nn.TransformerEncoderLayer(64, 4, 128),
    "TransformerDecoderLayer": lambda: nn.TransformerDecoderLayer(64, 4, 128, bias=True),
    "Transformer": lambda: nn.Transformer(64, 4, 1, 1, 128),
}


def scramble(m):
    """Overwrite every parameter and buffer, so that only what init_module writes can pass."""
    with torch.no_grad():
        for t in list(m.parameters()) + list(m.buffers()):
            t.fill_(7)


def laws_and_tensors(m):
    laws = expected(m)
    tensors = dict(m.named_parameters())
    tensors.update(dict(m.named_buffers()))
    assert set(laws) == set(tensors), "the expectation covers every parameter and buffer"
    return laws, tensors


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("source", ["lucid", "torch"])
def test_each_parameter_has_pytorchs_distribution(layer, source):
    torch.manual_seed(0)
    m = LAYERS[layer]()
    if source == "lucid":
        scramble(m)
        assert lt.init_module(m, seed=0) is m
    laws, tensors = laws_and_tensors(m)
    for name, law in laws.items():
        check(tensors[name], law, name)


def test_embedding_padding_row_is_zero():
    for m in (nn.Embedding(50, 8, padding_idx=3), nn.EmbeddingBag(50, 8, padding_idx=-2)):
        scramble(m)
        lt.init_module(m, seed=0)
        row = m.padding_idx
        assert (m.weight[row] == 0).all() and (m.weight[row + 1] != 0).all()
        assert_normal(torch.cat([m.weight[:row], m.weight[row + 1 :]]).detach().numpy(), 0.0, 1.0)
        # A rule replaces the distribution; the padding row stays zero, as the layer promises.
        lt.init_module(m, seed=0, rules=[lt.Rule(init.normal, std=0.02)])
        assert (m.weight[row] == 0).all()


def test_float16_and_float64_layers_are_filled():
    for dtype in (torch.float64, torch.float16):
        m = nn.Linear(256, 128).to(dtype)
        lt.init_module(m, seed=0)
        assert m.weight.dtype == dtype
        assert_uniform(m.weight.detach().numpy(), -1 / 16, 1 / 16)


# --- values: a pure function of (seed, name, shape, dtype, rule) -----------------------------
def test_a_parameter_is_its_fill_from_the_named_child():
    m = nn.Sequential(OrderedDict(conv=nn.Conv2d(3, 8, 3), fc=nn.Linear(8, 4)))
    lt.init_module(m, seed=11)
    g = lucid.random.Generator(11)
    want = torch.empty(8, 3, 3, 3)
    init.kaiming_uniform(want, a=math.sqrt(5), generator=g.child("conv.weight"))
    assert torch.equal(m.conv.weight, want)
    want = torch.empty(4)
    init.uniform(want, -1 / math.sqrt(8), 1 / math.sqrt(8), generator=g.child("fc.bias"))
    assert torch.equal(m.fc.bias, want)


class EncDec(nn.Module):
    def __init__(self, order=("enc", "dec"), head=False, frozen=False):
        super().__init__()
        for name in order:
            setattr(self, name, nn.Sequential(nn.Linear(16, 32), nn.LayerNorm(32), nn.Linear(32, 16)))
        if head:
            self.head = nn.Linear(16, 10)
        if frozen:
            self.enc.requires_grad_(False)


def state(m):
    return {k: v.detach().clone() for k, v in m.state_dict().items()}


def test_name_keyed_invariance():
    base = state(lt.init_module(EncDec(), seed=3))
    for variant in (EncDec(head=True), EncDec(order=("dec", "enc")), EncDec(frozen=True), EncDec()):
        scramble(variant)
        got = state(lt.init_module(variant, seed=3))
        for name, value in base.items():
            assert torch.equal(got[name], value), name
    assert list(dict(EncDec(order=("dec", "enc")).named_parameters())) != list(base)  # really reordered
    other = state(lt.init_module(EncDec(), seed=4))
    assert not torch.equal(other["enc.0.weight"], base["enc.0.weight"])
    assert not torch.equal(base["enc.0.weight"], base["dec.0.weight"])  # same shape, other name


def test_generator_roots_the_names_without_changing_its_state():
    g = lucid.random.Generator(3)
    g_state = g.get_state()
    got = state(lt.init_module(EncDec(), generator=g))
    assert g.get_state() == g_state
    want = state(lt.init_module(EncDec(), seed=3))
    assert all(torch.equal(got[k], want[k]) for k in want)


def test_unseeded_calls_draw_fresh_roots_from_the_default_generator():
    lucid.random.seed(5)
    a, b = state(lt.init_module(EncDec())), state(lt.init_module(EncDec()))
    assert not torch.equal(a["enc.0.weight"], b["enc.0.weight"])
    lucid.random.seed(5)
    assert torch.equal(state(lt.init_module(EncDec()))["enc.0.weight"], a["enc.0.weight"])


def digest(m):
    return torch_models.digest(m)[:16]


GOLDEN_DIGESTS = {  # init_module of golden_model(), seed 2024: changes only in a release that says so (float32: 0.2.0)
    torch.float32: "61680bdb963584b8",
    torch.float64: "7df0f0ae08f703ad",
}


def golden_model():
    return nn.Sequential(OrderedDict(
        conv=nn.Conv2d(3, 8, 3), bn=nn.BatchNorm2d(8), emb=nn.Embedding(40, 8, padding_idx=0),
        attn=nn.MultiheadAttention(8, 2), lstm=nn.LSTM(8, 8), fc=nn.Linear(8, 5),
    ))


@pytest.mark.parametrize("dtype", sorted(GOLDEN_DIGESTS, key=str))
def test_golden_digests(dtype):
    assert digest(lt.init_module(golden_model().to(dtype), seed=2024)) == GOLDEN_DIGESTS[dtype]


def test_a_module_shared_at_two_paths_and_tied_weights_are_filled_once():
    emb = nn.Embedding(100, 16)
    head = nn.Linear(16, 100, bias=False)
    head.weight = emb.weight
    m = nn.Sequential(OrderedDict(emb=emb, body=nn.Linear(16, 16), head=head))
    lt.init_module(m, seed=0)
    assert m.head.weight is m.emb.weight
    want = torch.empty(100, 16)
    init.normal(want, generator=lucid.random.Generator(0).child("emb.weight"))
    assert torch.equal(m.emb.weight, want)


def test_init_module_moves_version_counters():
    m = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8))
    loss = m(torch.randn(4, 8)).pow(2).sum()
    lt.init_module(m, seed=0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
    assert all(p.is_leaf and p.grad_fn is None and p.requires_grad for p in m.parameters())


# --- rules: torchvision's ResNet and GPT-2, as documented --------------------------------------
class BasicBlock(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        skip = x if self.downsample is None else self.downsample(x)
        return torch.relu(self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))) + skip)


def small_resnet(widths=(16, 32, 64), classes=10):
    layers = [nn.Conv2d(3, widths[0], 7, 2, 3, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU()]
    c = widths[0]
    for i, w in enumerate(widths):
        layers += [BasicBlock(c, w, 1 if i == 0 else 2), BasicBlock(w, w, 1)]
        c = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, classes)]
    return nn.Sequential(*layers)


RESNET_RULES = [  # torchvision's ResNet: conv kaiming_normal fan_out relu; norm weight 1, bias 0
    lt.Rule(init.kaiming_normal, module=nn.Conv2d, name="weight", mode="fan_out", nonlinearity="relu"),
    lt.Rule(init.ones, module=(nn.BatchNorm2d, nn.GroupNorm), name="weight"),
    lt.Rule(init.zeros, module=(nn.BatchNorm2d, nn.GroupNorm), name="bias"),
]


def test_resnet_rule():
    m = small_resnet()
    scramble(m)
    lt.init_module(m, seed=0, rules=RESNET_RULES)
    convs = [s for s in m.modules() if isinstance(s, nn.Conv2d)]
    assert len(convs) == 1 + 6 * 2 + 2
    for conv in convs:
        fan_out = conv.out_channels * math.prod(conv.kernel_size)
        assert_normal(conv.weight.detach().numpy(), 0.0, math.sqrt(2 / fan_out))
    for bn in m.modules():
        if isinstance(bn, nn.BatchNorm2d):
            assert (bn.weight == 1).all() and (bn.bias == 0).all() and (bn.running_var == 1).all()
    fc = m[-1]
    assert_uniform(fc.weight.detach().numpy(), -1 / 8, 1 / 8)  # PyTorch's Linear: 1/sqrt(64)
    m(torch.randn(2, 3, 32, 32))


class GPT2Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = nn.Module()
        self.attn.c_attn = nn.Linear(d, 3 * d)
        self.attn.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(d, 4 * d)
        self.mlp.c_proj = nn.Linear(4 * d, d)


class GPT2(nn.Module):
    """GPT-2's parameter layout (nanoGPT's names), without the forward pass."""

    def __init__(self, vocab=1000, context=64, d=64, n_layer=4):
        super().__init__()
        self.n_layer = n_layer
        self.transformer = nn.Module()
        self.transformer.wte = nn.Embedding(vocab, d)
        self.transformer.wpe = nn.Embedding(context, d)
        self.transformer.h = nn.ModuleList(GPT2Block(d) for _ in range(n_layer))
        self.transformer.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # tied


def gpt2_rules(n_layer):  # GPT-2: normal std 0.02, biases 0; residual projections 0.02 / sqrt(2 * n_layer)
    return [
        lt.Rule(init.normal, module=(nn.Linear, nn.Embedding), name="weight", std=0.02),
        lt.Rule(init.zeros, module=nn.Linear, name="bias"),
        lt.Rule(init.normal, name="*c_proj.weight", std=0.02 / math.sqrt(2 * n_layer)),
    ]


def test_gpt2_rule():
    m = GPT2()
    lt.init_module(m, seed=0, rules=gpt2_rules(m.n_layer))
    assert m.lm_head.weight is m.transformer.wte.weight
    residual = 0.02 / math.sqrt(2 * m.n_layer)
    for name, p in m.named_parameters():
        x = p.detach().numpy()
        if name.endswith("c_proj.weight"):
            assert_normal(x, 0.0, residual)
        elif name.startswith("transformer.h.") and name.endswith((".c_attn.weight", ".c_fc.weight")) \
                or name.endswith(("wte.weight", "wpe.weight")):
            assert_normal(x, 0.0, 0.02)
        elif name.endswith("bias") and ".ln_" not in name and "ln_f" not in name:
            assert (x == 0).all(), name
        else:  # LayerNorm: PyTorch's table
            assert (x == (1.0 if name.endswith("weight") else 0.0)).all(), name


def test_later_rules_override_earlier_ones_and_the_table():
    m = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
    lt.init_module(m, seed=0, rules=[lt.Rule(init.constant, val=1.0), lt.Rule(init.constant, name="1.*", val=2.0)])
    assert (m[0].weight == 1).all() and (m[0].bias == 1).all() and (m[1].weight == 2).all()


def test_rule_matching():
    r = lt.Rule(init.zeros, module=nn.Linear, name="*c_proj.weight")
    lin, emb = nn.Linear(2, 2), nn.Embedding(2, 2)
    assert r.matches(lin, "h.0.attn.c_proj.weight")
    assert not r.matches(lin, "h.0.attn.c_fc.weight") and not r.matches(emb, "h.0.attn.c_proj.weight")
    local = lt.Rule(init.zeros, name="weight")
    assert local.matches(emb, "a.b.weight") and local.matches(emb, "weight") and not local.matches(emb, "a.bias")


RULE_REFUSALS = [
    ((torch.nn.init.normal_,), {}, "initializer must be a function of lucid.nn.init"),
    ((init.normal,), {"generator": lucid.random.Generator(0)}, "do not pass generator"),
    ((init.constant,), {}, r"do not fit constant\(\): missing a required argument: 'val'"),
    ((init.normal,), {"sigma": 1.0}, "do not fit normal"),
    ((init.zeros,), {"module": int}, "module must be a torch.nn.Module subclass or a tuple of them, got <class 'int'>"),
    ((init.zeros,), {"module": ()}, "module must be a torch.nn.Module subclass"),
    ((init.zeros,), {"name": 3}, "name must be an fnmatch pattern"),
]


@pytest.mark.parametrize("args,kwargs,message", RULE_REFUSALS)
def test_rule_refusals(args, kwargs, message):
    with pytest.raises(TypeError, match=message):
        lt.Rule(*args, **kwargs)


# --- meta device ---------------------------------------------------------------------------------
class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(50, 16, padding_idx=0)
        self.lstm = nn.LSTM(16, 16, batch_first=True)
        self.bn = nn.BatchNorm1d(16)
        self.out = nn.Linear(16, 50, bias=False)
        self.out.weight = self.emb.weight

    def forward(self, x):
        h, _ = self.lstm(self.emb(x))
        return self.out(self.bn(h[:, -1]))


def test_meta_modules_are_materialized_on_the_cpu_and_filled():
    with torch.device("meta"):
        m = Tied()
    assert m.emb.weight.is_meta
    assert lt.init_module(m, seed=1) is m
    tensors = list(m.parameters()) + list(m.buffers())
    assert all(t.device.type == "cpu" for t in tensors)
    assert m.out.weight is m.emb.weight and isinstance(m.emb.weight, nn.Parameter)
    assert all(p.requires_grad for p in m.parameters())
    cpu = lt.init_module(Tied(), seed=1)
    assert digest(m) == digest(cpu)
    m(torch.randint(0, 50, (3, 5))).sum().backward()  # the LSTM sees its new weights
    assert m.lstm.weight_ih_l0.grad is not None


def test_a_meta_buffer_lucid_cannot_know_is_refused_before_materializing():
    class Rotary(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)
            self.register_buffer("inv_freq", torch.arange(4.0))

    with torch.device("meta"):
        m = Rotary()
    with pytest.raises(ValueError, match="the meta buffers inv_freq hold values Lucid cannot know"):
        lt.init_module(m, seed=0)
    assert m.fc.weight.is_meta and m.inv_freq.is_meta


# --- refusals: a clear error, nothing written ----------------------------------------------------
class FakeCuda(torch.Tensor):
    @property
    def device(self):
        return torch.device("cuda", 0)


class Odd(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.scale = nn.Parameter(torch.ones(4))


class CustomReset(nn.Linear):
    def reset_parameters(self):
        nn.init.zeros_(self.weight)


def with_fake_cuda():
    m = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
    m[1]._parameters["weight"] = nn.Parameter(torch.zeros(4, 4)).as_subclass(FakeCuda)
    return m


REFUSALS = [
    ("torch_generator", lambda: nn.Linear(4, 4), {"generator": torch.Generator()}, TypeError,
     r"generator must be a lucid.random.Generator, got a torch.Generator; .*lucid.random.Generator\(seed\)"),
    ("seed_and_generator", lambda: nn.Linear(4, 4), {"seed": 0, "generator": lucid.random.Generator(0)},
     ValueError, "pass seed or generator, not both"),
    ("bad_seed", lambda: nn.Linear(4, 4), {"seed": -1}, ValueError, r"init_module\(\): .*seed must be in"),
    ("cuda", with_fake_cuda, {"seed": 0}, TypeError,
     r"parameter '1.weight' is on device cuda:0; .*then move it with .to\(device\)"),
    ("unknown_type", lambda: nn.Sequential(nn.Linear(4, 4), Odd()), {"seed": 0}, TypeError,
     r"module types Odd \(1.scale\), and no rule covers those parameters"),
    ("custom_reset", lambda: nn.Sequential(nn.Linear(4, 4), CustomReset(4, 4)), {"seed": 0}, TypeError,
     r"redefines reset_parameters.* CustomReset \(1.weight, 1.bias\)"),
    ("rule_misfit", lambda: nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4)),
     {"seed": 0, "rules": [lt.Rule(init.kaiming_normal, module=nn.Linear)]}, ValueError,
     r"parameter '0.bias' \(torch.float32\): kaiming_normal\(\): fans need a tensor with at least 2 dimensions, "
     r"got shape \(4,\)"),
    ("not_a_rule", lambda: nn.Linear(4, 4), {"seed": 0, "rules": [(init.ones, "weight")]}, TypeError,
     "rules must be lucid.torch.Rule objects"),
    ("lazy", lambda: nn.Sequential(nn.Linear(4, 4), nn.LazyLinear(4)), {"seed": 0}, ValueError,
     r"parameter '1.weight' is uninitialized \(a lazy module\); run one forward pass first"),
]


@pytest.mark.parametrize("case,build,kwargs,error,message", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals_leave_every_tensor_unchanged(case, build, kwargs, error, message):
    torch.manual_seed(0)
    m = build()
    before = {k: (v.detach().clone(), v._version) for k, v in m.state_dict(keep_vars=True).items()
              if not isinstance(v, nn.parameter.UninitializedTensorMixin)}
    with pytest.raises(error, match=message):
        lt.init_module(m, **kwargs)
    for k, (values, version) in before.items():
        now = m.state_dict(keep_vars=True)[k]
        assert now._version == version and torch.equal(now.detach(), values), k


def test_not_a_module():
    with pytest.raises(TypeError, match=r"init_module\(\): module must be a torch.nn.Module, got Tensor"):
        lt.init_module(torch.zeros(3), seed=0)


def test_complex_parameters_are_refused():
    m = nn.Linear(4, 4)
    m.weight = nn.Parameter(torch.zeros(4, 4, dtype=torch.complex64))
    with pytest.raises(TypeError, match="parameter 'weight' has dtype torch.complex64"):
        lt.init_module(m, seed=0)
