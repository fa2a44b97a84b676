"""``lucid.torch.use``: unmodified model code on Lucid, restored on exit (run by ``nox -s torch``)."""

import math
import os
import subprocess
import sys
import textwrap
import threading
import types

import pytest

import lucid
from lucid.nn import init

torch = pytest.importorskip("torch", reason="needs PyTorch: nox -s torch runs these tests")
lt = pytest.importorskip("lucid.torch", reason="needs PyTorch: nox -s torch runs these tests")
nn = torch.nn
from .torch_models import build_cnn, build_transformer, digest  # noqa: E402 - after the skip

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORIGINALS = {name: getattr(torch.nn.init, name) for name in lt.ROUTED}


def assert_pytorchs_own():
    for name, fn in ORIGINALS.items():
        assert getattr(torch.nn.init, name) is fn, name
    assert torch.nn.modules.activation.xavier_uniform_ is ORIGINALS["xavier_uniform_"]
    assert torch.nn.modules.transformer.xavier_uniform_ is ORIGINALS["xavier_uniform_"]


def test_layers_draw_from_the_blocks_generator_in_call_order():
    with lt.use(seed=0) as g:
        m = nn.Linear(20, 10)
    assert isinstance(g, lucid.random.Generator) and g.get_state()["draw"] == 2
    replay = lucid.random.Generator(0)
    w, b = torch.empty(10, 20), torch.empty(10)
    init.kaiming_uniform_(w, a=math.sqrt(5), generator=replay)
    init.uniform_(b, -1 / math.sqrt(20), 1 / math.sqrt(20), generator=replay)
    assert torch.equal(m.weight, w) and torch.equal(m.bias, b)
    assert_pytorchs_own()


def test_every_routed_function_fills_through_lucid():
    calls = {"uniform_": (), "normal_": (), "trunc_normal_": (), "constant_": (0.5,), "ones_": (), "zeros_": (),
             "eye_": (), "dirac_": (), "xavier_uniform_": (), "xavier_normal_": (), "kaiming_uniform_": (),
             "kaiming_normal_": (), "orthogonal_": (), "sparse_": (0.5,)}
    assert set(calls) == set(lt.ROUTED)
    for name, args in calls.items():
        shape = (4, 3, 3) if name == "dirac_" else (6, 4)
        t = torch.full(shape, 7.0)
        with lt.use(seed=1):
            out = getattr(torch.nn.init, name)(t, *args)
        want = torch.full(shape, 7.0)
        random = "generator" in __import__("inspect").signature(ORIGINALS[name]).parameters
        getattr(init, name)(want, *args, **({"generator": lucid.random.Generator(1)} if random else {}))
        assert out is t and torch.equal(t, want), name


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_use_reaches_every_random_draw_of_a_transformer_and_a_cnn():
    """Under use(), torch's own RNG plays no part: its seed does not change a bit."""
    for build in (build_cnn, build_transformer):
        digests = set()
        for torch_seed in (1, 2):
            torch.manual_seed(torch_seed)
            with lt.use(seed=0):
                digests.add(digest(build()))
        torch.manual_seed(1)
        assert len(digests) == 1 and digest(build()) not in digests


SCRIPT = textwrap.dedent("""
    import sys, warnings
    import numba, torch
    import lucid.torch
    from tests.torch_models import build_cnn, build_transformer, digest
    warnings.simplefilter("ignore")
    torch.set_num_threads(int(sys.argv[1]))
    for build in (build_cnn, build_transformer):
        with lucid.torch.use(seed=0):
            print(build.__name__, digest(build()), numba.get_num_threads(), torch.get_num_threads())
""")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_same_state_dict_bits_on_1_and_2_threads(tmp_path):
    script = tmp_path / "build.py"
    script.write_text(SCRIPT)
    outputs = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads, PYTHONPATH=ROOT)
        result = subprocess.run([sys.executable, str(script), threads], env=env, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.split("\n")[:2]
        assert [line.split()[2:] for line in lines] == [[threads, threads]] * 2  # the threads really differ
        outputs.append([line.split()[:2] for line in lines])
    assert outputs[0] == outputs[1]
    here = []
    for build in (build_cnn, build_transformer):
        with lt.use(seed=0):
            here.append([build.__name__, digest(build())])
    assert outputs[0] == here


def test_restored_on_exit_and_on_exceptions():
    with lt.use(seed=0):
        assert torch.nn.init.normal_ is not ORIGINALS["normal_"]
        assert torch.nn.modules.activation.xavier_uniform_ is not ORIGINALS["xavier_uniform_"]
    assert_pytorchs_own()
    with pytest.raises(KeyError):
        with lt.use(seed=0):
            raise KeyError("model code failed")
    assert_pytorchs_own()


def test_from_imports_in_model_code_are_reached_and_restored():
    before = types.ModuleType("model_before")
    exec("from torch.nn.init import trunc_normal_\n"
         "def build():\n    return trunc_normal_(__import__('torch').empty(100), std=0.02)", before.__dict__)
    sys.modules["model_before"] = before
    try:
        with lt.use(seed=3):
            got = before.build()
            during = types.ModuleType("model_during")  # imported inside the block
            exec("from torch.nn.init import normal_", during.__dict__)
            sys.modules["model_during"] = during
        want = init.trunc_normal_(torch.empty(100), std=0.02, generator=lucid.random.Generator(3))
        assert torch.equal(got, want)
        assert before.trunc_normal_ is ORIGINALS["trunc_normal_"] and during.normal_ is ORIGINALS["normal_"]
    finally:
        sys.modules.pop("model_before", None)
        sys.modules.pop("model_during", None)


def test_nested_blocks():
    with lt.use(seed=1) as outer:
        a = nn.Linear(4, 4)
        with lt.use(seed=2) as inner:
            b = nn.Linear(4, 4)
        assert torch.nn.init.normal_ is not ORIGINALS["normal_"]  # still routed for the outer block
        c = nn.Linear(4, 4)
    assert_pytorchs_own()
    assert outer.get_state()["draw"] == 4 and inner.get_state()["draw"] == 2
    with lt.use(seed=2):
        assert torch.equal(nn.Linear(4, 4).weight, b.weight)
    with lt.use(seed=1):
        assert torch.equal(nn.Linear(4, 4).weight, a.weight)
        assert torch.equal(nn.Linear(4, 4).weight, c.weight)


def test_other_threads_keep_pytorchs_init():
    results = {}

    def worker():
        torch.manual_seed(0)
        results["worker"] = nn.Linear(8, 8).weight.detach().clone()

    with lt.use(seed=0):
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(timeout=60)
    assert not thread.is_alive()
    torch.manual_seed(0)
    assert torch.equal(results["worker"], nn.Linear(8, 8).weight)


def test_generator_argument_forms():
    g = lucid.random.Generator(4)
    with lt.use(generator=g) as used:
        nn.Linear(3, 3)
    assert used is g and g.get_state()["draw"] == 2
    lucid.random.seed(8)
    with lt.use():
        a = nn.Linear(3, 3)
    lucid.random.seed(8)
    with lt.use() as used:
        b = nn.Linear(3, 3)
    assert used is lucid.random.default_generator() and torch.equal(a.weight, b.weight)
    with pytest.raises(TypeError, match=r"use\(\): generator must be a lucid.random.Generator, got a torch.Generator"):
        with lt.use(generator=torch.Generator()):
            pass
    with pytest.raises(ValueError, match=r"use\(\): pass seed or generator, not both"):
        with lt.use(seed=1, generator=g):
            pass
    assert_pytorchs_own()


class FakeCuda(torch.Tensor):
    @property
    def device(self):
        return torch.device("cuda", 0)


def test_refusals_inside_a_block_leave_the_tensor_unchanged():
    t = torch.full((4, 4), 7.0)
    with lt.use(seed=0) as g:
        with pytest.raises(TypeError, match=r"normal_\(\): got a Generator inside lucid.torch.use\(\)"):
            torch.nn.init.normal_(t, generator=torch.Generator())
        with pytest.raises(TypeError, match=r"kaiming_uniform_\(\): got a Generator inside lucid.torch.use\(\)"):
            torch.nn.init.kaiming_uniform_(t, 0.0, "fan_in", "leaky_relu", torch.Generator())  # positional
        with pytest.raises(TypeError, match="got device cuda:0; fill it on the CPU"):
            torch.nn.init.kaiming_uniform_(t.as_subclass(FakeCuda))
    assert (t == 7).all() and g.get_state()["draw"] == 0


def test_meta_and_integer_tensors_stay_pytorchs():
    with lt.use(seed=0) as g, torch.device("meta"):
        m = nn.Linear(4, 4)
    assert m.weight.is_meta and g.get_state()["draw"] == 0
    lt.init_module(m, seed=0)
    assert m.weight.device.type == "cpu"
    counts = torch.full((3,), 5, dtype=torch.int64)
    with lt.use(seed=0):
        torch.nn.init.zeros_(counts)
    assert (counts == 0).all()
