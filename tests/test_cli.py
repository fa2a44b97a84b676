"""``python -m lucid``: presets, arguments, the table, JSON, errors, the plot and the progress line."""

import io
import json
import math
import os
import subprocess
import sys
import unittest.mock

import numba
import numpy as np
import pytest

from lucid import _fill, cli
from lucid.cli import INITIALIZERS, PLOT_HINT, fill_rule, main
from lucid.nn import init
from lucid.presets import PRESETS, count, preset

from .conftest import ROOT, run_python


def run_json(capsys, *args):
    """``main([..., "--json"])``: the exit code must be 0; returns the parsed output."""
    assert main([*args, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


def run_error(capsys, *args):
    """``main(args)`` must fail as a bad argument: exit code 2, nothing on stdout; returns stderr."""
    assert main(list(args)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "usage: lucid" in err
    return err


# --- presets ------------------------------------------------------------------------------
def test_preset_names():
    assert set(PRESETS) >= {"mlp", "resnet50", "vit-b16"}
    with pytest.raises(ValueError, match="name must be one of"):
        preset("resnet51")


@pytest.mark.parametrize("name, total, tensors", [
    ("mlp", 784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10, 6),
    ("resnet50", 25_557_032, 161),  # torchvision resnet50(): sum(p.numel() for p in m.parameters())
    ("vit-b16", 86_567_656, 152),  # torchvision vit_b_16()
])
def test_preset_totals(name, total, tensors):
    params = preset(name)
    assert count(params) == total
    assert len(params) == tensors
    assert len({n for n, _ in params}) == tensors  # unique names
    assert all(all(isinstance(d, int) and d > 0 for d in shape) for _, shape in params)


def test_resnet50_shapes():
    shapes = dict(preset("resnet50"))
    assert shapes["conv1.weight"] == (64, 3, 7, 7)
    assert shapes["layer1.0.conv1.weight"] == (64, 64, 1, 1)
    assert shapes["layer1.0.conv2.weight"] == (64, 64, 3, 3)
    assert shapes["layer1.0.conv3.weight"] == (256, 64, 1, 1)
    assert shapes["layer1.0.downsample.0.weight"] == (256, 64, 1, 1)
    assert shapes["layer2.0.conv1.weight"] == (128, 256, 1, 1)
    assert shapes["layer2.0.downsample.0.weight"] == (512, 256, 1, 1)
    assert shapes["layer3.5.conv2.weight"] == (256, 256, 3, 3)
    assert shapes["layer4.2.conv3.weight"] == (2048, 512, 1, 1)
    assert shapes["fc.weight"] == (1000, 2048)
    assert shapes["fc.bias"] == (1000,)
    blocks = {".".join(n.split(".")[:2]) for n in shapes if n.startswith("layer")}
    assert blocks == {f"layer{stage}.{b}" for stage, n in enumerate([3, 4, 6, 3], start=1) for b in range(n)}
    convs = [n for n, s in shapes.items() if len(s) == 4]
    assert len(convs) == 1 + 16 * 3 + 4  # stem, three per bottleneck, one projection per stage
    for name in shapes:  # no conv biases: every bias but fc's belongs to a batch norm (a 1-D weight)
        if name.endswith(".bias") and name != "fc.bias":
            assert len(shapes[name.replace(".bias", ".weight")]) == 1


def test_vit_b16_shapes():
    params = preset("vit-b16")
    shapes = dict(params)
    assert shapes["conv_proj.weight"] == (768, 3, 16, 16)
    assert shapes["class_token"] == (1, 1, 768)
    assert shapes["encoder.pos_embedding"] == (1, 197, 768)
    assert shapes["heads.head.weight"] == (1000, 768)
    for i in range(12):
        prefix = f"encoder.layers.encoder_layer_{i}"
        assert shapes[f"{prefix}.self_attention.in_proj_weight"] == (2304, 768)
        assert shapes[f"{prefix}.self_attention.out_proj.weight"] == (768, 768)
        assert shapes[f"{prefix}.mlp.0.weight"] == (3072, 768)
        assert shapes[f"{prefix}.mlp.3.weight"] == (768, 3072)
        assert shapes[f"{prefix}.ln_1.weight"] == shapes[f"{prefix}.ln_2.bias"] == (768,)
    assert "encoder.layers.encoder_layer_12.ln_1.weight" not in shapes


def test_fill_rule():
    assert fill_rule("conv1.weight", (64, 3, 7, 7)) == "init"
    assert fill_rule("self_attention.in_proj_weight", (2304, 768)) == "init"
    assert fill_rule("fc.bias", (1000,)) == "zeros"
    assert fill_rule("bn1.weight", (64,)) == "ones"
    assert fill_rule("class_token", (1, 1, 768)) == "embedding"
    rules = {fill_rule(n, s) for n, s in preset("resnet50")}
    assert rules == {"init", "zeros", "ones"}


# --- the initializers ---------------------------------------------------------------------------
def test_initializers_come_from_lucid_nn_init():
    assert list(INITIALIZERS)[0] == "kaiming_normal"
    for name, spec in INITIALIZERS.items():
        assert name in init.__all__
        assert spec.fill is getattr(init, name)
        assert spec.density in ("normal", "truncated_normal", "uniform")
    choices = next(a.choices for a in cli.build_parser()._actions if a.dest == "init")
    assert tuple(choices) == tuple(INITIALIZERS)


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_each_initializer_meets_its_target(capsys, name):
    result = run_json(capsys, "--shape", "384", "256", "--init", name)
    (layer,) = result["layers"]
    assert layer["fan_in"] == 256 and layer["fan_out"] == 384
    expected = {
        "kaiming_normal": math.sqrt(2 / 256),
        "kaiming_uniform": math.sqrt(6 / 256) / math.sqrt(3),
        "xavier_normal": math.sqrt(2 / (256 + 384)),
        "xavier_uniform": math.sqrt(2 / (256 + 384)),
        "lecun_normal": math.sqrt(1 / 256),
        "lecun_uniform": math.sqrt(1 / 256),
        "glorot_normal": math.sqrt(2 / (256 + 384)),
        "glorot_uniform": math.sqrt(2 / (256 + 384)),
        "he_normal": math.sqrt(2 / 256),
        "he_uniform": math.sqrt(2 / 256),
        "normal": 1.0,
        "uniform": 1 / math.sqrt(12),
        "trunc_normal": 0.87962566103423978,
    }[name]
    assert layer["target_std"] == pytest.approx(expected)
    assert layer["measured_std"] == pytest.approx(expected, rel=0.03)
    assert abs(layer["measured_mean"] - layer["target_mean"]) < 0.03 * expected
    assert layer["target_mean"] == (0.5 if name == "uniform" else 0.0)


def test_mode_fan_out(capsys):
    (layer,) = run_json(capsys, "--shape", "512", "128", "3", "3", "--mode", "fan_out")["layers"]
    assert (layer["fan_in"], layer["fan_out"]) == (128 * 9, 512 * 9)
    assert layer["target_std"] == pytest.approx(math.sqrt(2 / (512 * 9)))
    assert layer["measured_std"] == pytest.approx(layer["target_std"], rel=0.03)
    assert layer["fill"] == "kaiming_normal(fan_out)"


def test_one_dimensional_shape_for_an_initializer_without_fans(capsys):
    (layer,) = run_json(capsys, "--shape", "5000", "--init", "normal")["layers"]
    assert layer["fan_in"] is None and layer["fan_out"] is None
    assert layer["measured_std"] == pytest.approx(1.0, rel=0.1)


# --- the table ------------------------------------------------------------------------------------
def test_default_is_resnet50_kaiming_normal(capsys):
    assert main([]) == 0
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("lucid ") and "resnet50" in lines[0] and "kaiming_normal" in lines[0]
    for column in ("name", "shape", "fan_in", "fan_out", "target std", "measured std", "measured mean", "time (ms)"):
        assert column in lines[1]
    assert lines[-1].startswith("total: 25,557,032 parameters in 161 tensors; filled in ")
    assert lines[-1].endswith(" M elements/s)")
    conv1 = next(line for line in lines if line.startswith("conv1.weight"))
    assert conv1.split()[1:4] == ["64x3x7x7", "147", "3136"]
    assert conv1.split()[5] == f"{math.sqrt(2 / 147):.6f}"
    bn1 = next(line for line in lines if line.startswith("bn1.weight")).split()
    assert bn1[1:5] == ["64", "-", "-", "ones"]
    assert "fill rule:" in out


def test_table_columns_are_aligned(capsys):
    assert main(["--preset", "mlp"]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = lines[1:-2]  # between the settings line and the rule and totals lines
    assert len(table) == 2 + 6
    assert set(table[1]) == {"-", " "}
    assert len({len(line) for line in table}) == 1  # the last column is right-aligned, so every row ends together
    starts = [i for i in range(1, len(table[1])) if table[1][i] == "-" and table[1][i - 1] == " "]
    for line in table[2:]:
        for i in starts:
            assert line[i - 1] == " "  # two spaces between columns


def test_quiet_prints_only_the_totals(capsys):
    assert main(["--preset", "mlp", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [out.strip()]
    assert out.startswith("total: 535,818 parameters in 6 tensors")
    assert err == ""


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_dtypes(capsys, dtype):
    result = run_json(capsys, "--preset", "mlp", "--dtype", dtype)
    assert result["dtype"] == dtype
    weight = result["layers"][0]
    assert weight["measured_std"] == pytest.approx(weight["target_std"], rel=0.03)


# --- JSON ---------------------------------------------------------------------------------------
def test_json_has_every_layer_near_its_target(capsys):
    result = run_json(capsys, "--preset", "mlp", "--seed", "3")
    assert result["preset"] == "mlp" and result["init"] == "kaiming_normal" and result["mode"] == "fan_in"
    assert result["seed"] == 3 and result["dtype"] == "float32"
    assert [layer["name"] for layer in result["layers"]] == [n for n, _ in preset("mlp")]
    for layer, (_, shape) in zip(result["layers"], preset("mlp"), strict=True):
        assert tuple(layer["shape"]) == shape
        assert layer["time_ms"] >= 0
        if layer["name"].endswith("weight"):
            assert layer["fan_in"] == shape[1] and layer["fan_out"] == shape[0]
            assert layer["target_std"] == pytest.approx(math.sqrt(2 / shape[1]))
            assert layer["measured_std"] == pytest.approx(layer["target_std"], rel=0.1)
            assert abs(layer["measured_mean"]) < 0.1 * layer["target_std"]
        else:
            assert layer["fill"] == "zeros" and layer["measured_std"] == 0 and layer["measured_mean"] == 0
    totals = result["totals"]
    assert totals["parameters"] == count(preset("mlp")) and totals["tensors"] == 6
    assert totals["seconds"] > 0 and totals["elements_per_second"] > 0


def test_vit_embeddings_and_norms_follow_the_rule(capsys):
    # The slowest test here (86.6 M parameters): about a second.
    layers = {layer["name"]: layer for layer in run_json(capsys, "--preset", "vit-b16", "--dtype", "float16")["layers"]}
    pos = layers["encoder.pos_embedding"]
    assert pos["fill"] == "normal(0, 0.02)" and pos["measured_std"] == pytest.approx(0.02, rel=0.05)
    assert layers["encoder.ln.weight"]["measured_mean"] == 1.0 and layers["encoder.ln.weight"]["measured_std"] == 0
    qkv = layers["encoder.layers.encoder_layer_0.self_attention.in_proj_weight"]
    assert (qkv["fan_in"], qkv["fan_out"]) == (768, 2304)


def test_seed_reproduces_the_values(capsys):
    def stats(seed):
        layers = run_json(capsys, "--preset", "mlp", "--seed", str(seed))["layers"]
        return [(layer["measured_std"], layer["measured_mean"]) for layer in layers]

    assert stats(5) == stats(5)
    assert stats(5) != stats(6)


# --- threads --------------------------------------------------------------------------------------
def test_threads_are_set_and_restored(capsys):
    before = numba.get_num_threads()
    result = run_json(capsys, "--preset", "mlp", "--threads", "1")
    assert result["threads"] == 1
    assert numba.get_num_threads() == before


@pytest.mark.parametrize("threads", ["0", "-1", str(numba.config.NUMBA_NUM_THREADS + 1)])
def test_bad_threads(capsys, threads):
    err = run_error(capsys, "--preset", "mlp", "--threads", threads)
    assert f"argument --threads: must be between 1 and {numba.config.NUMBA_NUM_THREADS}" in err


# --- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["--preset", "resnet51"], "argument --preset: invalid choice: 'resnet51'"),
    (["--init", "orthogonal"], "argument --init: invalid choice: 'orthogonal'"),
    (["--dtype", "int32"], "argument --dtype: invalid choice: 'int32'"),
    (["--dtype", "bfloat16"], "argument --dtype: invalid choice: 'bfloat16'"),
    (["--mode", "fan_avg"], "argument --mode: invalid choice: 'fan_avg'"),
    (["--shape", "-3", "4"], "argument --shape: dimensions must be positive, got -3"),
    (["--shape", "3", "0"], "argument --shape: dimensions must be positive, got 0"),
    (["--shape", "3.5", "4"], "argument --shape: invalid int value: '3.5'"),
    (["--shape"], "argument --shape: expected at least one argument"),
    (["--shape", "128"], "need at least 2 dimensions, got [128]"),
    (["--shape", "128", "--init", "xavier_uniform"], "--init xavier_uniform computes fans"),
    (["--init", "xavier_normal", "--mode", "fan_out"], "argument --mode: only kaiming_normal, kaiming_uniform take"),
    (["--preset", "mlp", "--shape", "3", "3"], "not allowed with argument --preset"),
    (["--seed", "-1"], "argument --seed: must be in [0, 2**64), got -1"),
    (["--seed", "x"], "argument --seed: invalid int value: 'x'"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
])
def test_bad_arguments_exit_2_with_a_message(capsys, args, message):
    err = run_error(capsys, *args)
    assert f"lucid: error: {message}" in err or message in err


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--preset" in out and "kaiming_normal" in out and "fill rule" in out.lower()


def test_too_big_to_allocate_is_exit_1(capsys):
    assert main(["--shape", "100000000", "100000000"]) == 1
    out, err = capsys.readouterr()
    assert "lucid: error: cannot allocate the parameters" in err


# --- the plot ------------------------------------------------------------------------------------
@pytest.mark.parametrize("init_name", ["kaiming_normal", "xavier_uniform"])
def test_plot_writes_a_png(capsys, tmp_path, init_name):
    pytest.importorskip("matplotlib")
    path = tmp_path / "weights.png"
    assert main(["--preset", "mlp", "--init", init_name, "--plot", str(path)]) == 0
    assert f"plot: {path}" in capsys.readouterr().out
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_plot_to_a_missing_folder_is_exit_2(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    err = run_error(capsys, "--preset", "mlp", "--plot", str(tmp_path / "no" / "weights.png"))
    assert "argument --plot: no such directory" in err


def test_plot_without_matplotlib(capsys, monkeypatch, tmp_path):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now raises ImportError
    err = run_error(capsys, "--preset", "mlp", "--plot", str(tmp_path / "weights.png"))
    assert PLOT_HINT in err
    assert "--plot needs matplotlib: pip install 'lucid-init[plot]'" in err
    assert not (tmp_path / "weights.png").exists()


# --- the progress line ------------------------------------------------------------------------------
class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_only_for_big_runs(capsys, monkeypatch):
    monkeypatch.setattr(cli, "PROGRESS_MIN_PARAMS", 1000)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["--preset", "mlp"]) == 0
    shown = terminal.getvalue()
    assert "lucid: [1/6] 0.weight" in shown and "lucid: [6/6] 4.bias" in shown
    assert shown.endswith("\r")  # the line is erased at the end
    assert "\r" not in capsys.readouterr().out

    for quiet in (["--json"], ["--quiet"]):
        terminal = FakeTerminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        assert main(["--preset", "mlp", *quiet]) == 0
        assert terminal.getvalue() == ""

    monkeypatch.setattr(cli, "PROGRESS_MIN_PARAMS", 10**9)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["--preset", "mlp"]) == 0
    assert terminal.getvalue() == ""


# --- the command itself ----------------------------------------------------------------------------
def test_python_m_lucid():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-m", "lucid", "--preset", "mlp"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "name" in lines[1] and "measured std" in lines[1]
    assert lines[3].startswith("0.weight") and "512x784" in lines[3]
    assert lines[-1].startswith("total: 535,818 parameters in 6 tensors")

    result = subprocess.run([sys.executable, "-m", "lucid", "--preset", "nope"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 2
    assert "invalid choice: 'nope'" in result.stderr


# --- compilation: only what a run needs, announced before it starts, or all ahead of time -----------------
def test_a_run_prepares_only_the_kernels_it_uses():
    from lucid.kernels import NORMAL, TRUNCATED_NORMAL, UNIFORM

    # Biases (zeros) and normalization scales (ones) are written by ndarray.fill: no constant kernel.
    needed = cli.kernels_needed(cli.parse_args([]))  # resnet50, kaiming_normal
    assert set(needed) == {(NORMAL, "serial"), (NORMAL, "parallel")}
    needed = cli.kernels_needed(cli.parse_args(["--shape", "64", "64", "--init", "he_normal"]))
    assert needed == [(TRUNCATED_NORMAL, "serial")]
    needed = cli.kernels_needed(cli.parse_args(["--preset", "vit-b16", "--init", "xavier_uniform"]))
    assert {kind for kind, _ in needed} == {UNIFORM, NORMAL}  # ViT's embeddings are normal(0, 0.02)
    assert {cli.ZEROS, cli.ONES} <= set(cli.parse_args(["--preset", "vit-b16"]).rules)
    for dtype in cli.DTYPES:  # and no run's zeros or ones reach a kernel, whatever the dtype
        array = np.full(3, 7.0, dtype)
        for value in (0.0, 1.0):
            with unittest.mock.patch.object(_fill, "fill_stream", side_effect=AssertionError("a kernel ran")):
                init.constant(array, value)
            assert (array == value).all()


def test_lucid_compile_subcommand(capsys):
    assert main(["compile", "--dtype", "float32", "--entry", "serial"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("lucid: 4 kernels compiled or loaded in ") and "cached in " in out
    steps = err.splitlines()  # not a terminal: one line per kernel
    assert len(steps) == 4 and all(line.startswith("lucid: [") for line in steps)
    assert "normal float32 (one thread)" in err and "truncated normal float32 (one thread)" in err
    assert main(["compile", "--entry", "rows", "--dtype", "float64", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("lucid: 4 kernels") and err == ""


def test_lucid_compile_progress_bar_on_a_terminal(monkeypatch, capsys):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["compile", "--dtype", "float32", "--entry", "serial"]) == 0
    shown = terminal.getvalue()
    assert "\r" in shown and "[##############################] 4/4 done" in shown and shown.endswith("\n")


@pytest.mark.parametrize("args", [["compile", "--dtype", "int8"], ["compile", "--entry", "everywhere"],
                                  ["compile", "extra"]])
def test_lucid_compile_bad_arguments(capsys, args):
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == "" and "usage: lucid compile" in err


ANNOUNCE_SCRIPT = """
import json
import numpy as np
from numba.core import event
import lucid
from lucid import _compile
from lucid.nn.init import kaiming_normal

order = []

class Stream:
    def write(self, text):
        order.append(("message", text.strip()))
    def flush(self):
        pass

class Compiles(event.Listener):
    def on_start(self, e):
        order.append(("compile starts", ""))
    def on_end(self, e):
        order.append(("compile ends", ""))

_compile.Settings.stream = Stream()
with event.install_listener("numba:compile", Compiles()):
    kaiming_normal(np.empty((64, 64), np.float32), generator=lucid.random.Generator(0))
print(json.dumps(order))
"""


@pytest.mark.slow
def test_a_first_use_compile_is_announced_before_it_starts(tmp_path):
    """With an empty Numba cache the message comes before any compilation ends; with the cache filled, never."""
    cold = json.loads(run_python(ANNOUNCE_SCRIPT, NUMBA_CACHE_DIR=str(tmp_path)))
    messages = [i for i, (what, _) in enumerate(cold) if what == "message"]
    assert len(messages) == 1
    first_end = next(i for i, (what, _) in enumerate(cold) if what == "compile ends")
    assert messages[0] < first_end
    assert cold[messages[0]][1].startswith("lucid: compiling the normal kernel for float32 (one thread), "
                                           "once per machine, about ")
    warm = json.loads(run_python(ANNOUNCE_SCRIPT, NUMBA_CACHE_DIR=str(tmp_path)))
    assert warm == []
