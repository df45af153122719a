#!/usr/bin/python3
"""Writes the fixture that checks the engine's AE-StyleGAN networks against the official code (tests/.../Aegan/OfficialModelTests.cs).

Usage: tools/aegan_reference.py PHYMHAN_CHECKOUT [OUT_FILE]
    PHYMHAN_CHECKOUT: a checkout of github.com/phymhan/stylegan2-pytorch (checked at 69a3288); nothing of it is copied:
    its model.py and op/ are imported from there, and the loss functions d_r1_loss, g_nonsaturating_loss,
    g_path_regularize and calculate_adaptive_weight are taken from its train_aegan.py's source (the rest of that script
    needs its datasets). OUT_FILE defaults to tests/AlaeEngine.Tests/Aegan/Fixtures/aegan-official.safetensors.
    Needs torch and numpy.

The official op/ package compiles CUDA extensions when imported; on the CPU its functions take their plain PyTorch
paths (upfirdn2d_native, leaky_relu·√2), so the extension build is skipped (torch.utils.cpp_extension.load stubbed).
To keep the check fast in CI the networks are narrow: model.py's channel tables (512 feature maps up to 32²) are read
with 512 replaced by WIDTH (a text substitution of those twelve entries, nothing else) and the latent size is WIDTH.
Full width is covered by the engine's parameter-count test at 128².

Every parameter of the official networks is set from the engine's parameter of the same role (the name map below),
whose value is given by the formula of tools/vgg16_fixture.py (FNV-1a-64 of the engine's parameter name, splitmix64)
with u in [-1, 1): weights and the constant √3·u, style-affine biases 1 + 0.2·u, other biases and noise weights
0.2·u; stored weights are converted to the official layouts (modulated conv (1, out, in, k, k), the up-sampling conv
transposed from the engine's (in, out, k, k), lr-multiplied layers divided by their multiplier). Inputs use the same
formula. Everything runs in float64:
  F(z); G(W+) at 32² and 16² with zero noise; D's logits (batch 8: two minibatch-stddev groups), E's W+ and W codes at
  16²; the R1 penalty (d_r1_loss) and its gradient in every parameter of D; the path-length penalty
  (g_path_regularize, its noise stored), the updated mean, the lengths, and the penalty's gradient in every parameter of
  G (both second order); the adaptive weight (calculate_adaptive_weight) of the E step's L2 pixel loss against
  0.1·g_nonsaturating_loss(D(G(E(x)))). Gradients are stored under "<R1|PL>.grad.<engine parameter name>" in the
  engine's layout.
"""
import ast
import math
import os
import re
import sys
import types

import numpy as np
import torch
import torch.utils.cpp_extension

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vgg16_fixture import formula  # noqa: E402
from vgg16_to_safetensors import write_safetensors  # noqa: E402

WIDTH = 16
LATENT = WIDTH


def value(name, shape):
    """The engine-side value of a parameter (see the module docstring)."""
    u = formula(name, shape, 1.0)
    if name.endswith("affine.bias"):
        return 1 + 0.2 * u
    if name.endswith(".bias") or name.endswith("noise.weight"):
        return 0.2 * u
    return math.sqrt(3) * u


# (engine tensor -> official tensor, official shape -> engine shape, official gradient -> engine gradient)
SAME = (lambda t: t, lambda s: s, lambda g: g)
MODULATED = (lambda t: t[None], lambda s: s[1:], lambda g: g[0])                                  # (out, in, k, k) -> (1, out, in, k, k)
UP = (lambda t: t.transpose(0, 1)[None], lambda s: (s[2], s[1], s[3], s[4]), lambda g: g[0].transpose(0, 1))  # engine (in, out, k, k)
LR_MUL = (lambda t: t / 0.01, lambda s: s, lambda g: g / 0.01)        # official EqualLinear(lr_mul 0.01) stores value / lr_mul
RGB_BIAS = (lambda t: t.view(1, -1, 1, 1), lambda s: (s[1],), lambda g: g.view(-1))


def generator_map(size):
    """engine name -> (official name, (to official tensor, engine shape of the official shape))."""
    m = {}
    for i in range(1, 9):
        m[f"mapping.fc{i}.weight"] = (f"style.{i}.weight", LR_MUL)
        m[f"mapping.fc{i}.bias"] = (f"style.{i}.bias", LR_MUL)
    m["generator.const"] = ("input.input", SAME)

    def styled(ours, theirs, up=False):
        m[f"{ours}.weight"] = (f"{theirs}.conv.weight", UP if up else MODULATED)
        m[f"{ours}.affine.weight"] = (f"{theirs}.conv.modulation.weight", SAME)
        m[f"{ours}.affine.bias"] = (f"{theirs}.conv.modulation.bias", SAME)
        m[f"{ours}.noise.weight"] = (f"{theirs}.noise.weight", SAME)
        m[f"{ours}.bias"] = (f"{theirs}.activate.bias", SAME)

    def to_rgb(ours, theirs):
        m[f"{ours}.weight"] = (f"{theirs}.conv.weight", MODULATED)
        m[f"{ours}.affine.weight"] = (f"{theirs}.conv.modulation.weight", SAME)
        m[f"{ours}.affine.bias"] = (f"{theirs}.conv.modulation.bias", SAME)
        m[f"{ours}.bias"] = (f"{theirs}.bias", RGB_BIAS)

    styled("generator.conv_4", "conv1")
    to_rgb("generator.to_rgb_4", "to_rgb1")
    for k in range(int(math.log2(size)) - 2):
        res = 8 << k
        styled(f"generator.up_{res}", f"convs.{2 * k}", up=True)
        styled(f"generator.conv_{res}", f"convs.{2 * k + 1}")
        to_rgb(f"generator.to_rgb_{res}", f"to_rgbs.{k}")
    return m


def discriminator_map(prefix, size):
    m = {f"{prefix}.from_rgb.weight": ("convs.0.0.weight", SAME), f"{prefix}.from_rgb.bias": ("convs.0.1.bias", SAME)}
    for k in range(int(math.log2(size)) - 2):
        ours, theirs = f"{prefix}.block_{size >> k}", f"convs.{k + 1}"
        m[f"{ours}.conv1.weight"] = (f"{theirs}.conv1.0.weight", SAME)
        m[f"{ours}.conv1.bias"] = (f"{theirs}.conv1.1.bias", SAME)
        m[f"{ours}.conv2.weight"] = (f"{theirs}.conv2.1.weight", SAME)
        m[f"{ours}.conv2.bias"] = (f"{theirs}.conv2.2.bias", SAME)
        m[f"{ours}.skip.weight"] = (f"{theirs}.skip.1.weight", SAME)
    m[f"{prefix}.final_conv.weight"] = ("final_conv.0.weight", SAME)
    m[f"{prefix}.final_conv.bias"] = ("final_conv.1.bias", SAME)
    for ours, theirs in (("fc", "final_linear.1"), ("out", "final_linear.2")):
        m[f"{prefix}.{ours}.weight"] = (f"{theirs}.weight", SAME)
        m[f"{prefix}.{ours}.bias"] = (f"{theirs}.bias", SAME)
    return m


def load_into(module, mapping):
    """Sets every official parameter from its engine counterpart; every parameter must be mapped exactly once."""
    params = dict(module.named_parameters())
    missing = set(params) - {theirs for theirs, _ in mapping.values()}
    if missing:
        raise SystemExit(f"official parameters without an engine counterpart: {sorted(missing)}")
    with torch.no_grad():
        for ours, (theirs, (convert, engine_shape, _)) in mapping.items():
            p = params[theirs]
            t = convert(value(ours, tuple(engine_shape(tuple(p.shape)))))
            if tuple(t.shape) != tuple(p.shape):
                raise SystemExit(f"{ours} -> {theirs}: shape {tuple(t.shape)} against {tuple(p.shape)}")
            p.copy_(t)


def engine_gradients(loss, module, mapping, key):
    """The loss's gradient in every mapped parameter, in the engine's names and layouts."""
    params = dict(module.named_parameters())
    names = list(mapping)
    grads = torch.autograd.grad(loss, [params[mapping[n][0]] for n in names], retain_graph=True, allow_unused=True)
    return {f"{key}.grad.{n}": (mapping[n][1][2](g) if g is not None else torch.zeros(mapping[n][1][1](tuple(params[mapping[n][0]].shape))))
            .detach().numpy() for n, g in zip(names, grads)}


def narrow_model(checkout):
    """model.py with its channel tables' 512 replaced by WIDTH, as a module named model."""
    source = open(os.path.join(checkout, "model.py")).read()
    source, count = re.subn(r"^(\s+(?:4|8|16|32)): 512,$", rf"\1: {WIDTH},", source, flags=re.MULTILINE)
    if count != 12:
        raise SystemExit(f"expected 12 channel-table entries of 512 in model.py (Generator, Discriminator, Encoder), found {count}")
    module = types.ModuleType("model")
    module.__file__ = os.path.join(checkout, "model.py")
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    sys.modules["model"] = module
    return module


def official_losses(checkout):
    """d_r1_loss, g_path_regularize, calculate_adaptive_weight from train_aegan.py's source, run in their own namespace."""
    from op import conv2d_gradfix
    source = open(os.path.join(checkout, "train_aegan.py")).read()
    wanted = {"d_r1_loss", "g_nonsaturating_loss", "g_path_regularize", "calculate_adaptive_weight"}
    tree = ast.parse(source)
    tree.body = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in wanted]
    namespace = {"torch": torch, "F": torch.nn.functional, "autograd": torch.autograd, "math": math, "conv2d_gradfix": conv2d_gradfix}
    exec(compile(tree, "train_aegan.py", "exec"), namespace)
    return namespace


def zero_noise(g):
    return [torch.zeros(1, 1, 2 ** ((i + 5) // 2), 2 ** ((i + 5) // 2)) for i in range(g.num_layers)]


def main(checkout, out_file):
    torch.utils.cpp_extension.load = lambda *args, **kwargs: None  # the CPU paths need no compiled extension
    sys.path.insert(0, checkout)
    official = narrow_model(checkout)
    losses = official_losses(checkout)
    torch.set_default_dtype(torch.float64)
    out = {}

    # F; G at 32² and 16²; the path-length penalty at 16²
    for size in (32, 16):
        g = official.Generator(size, LATENT, 8, channel_multiplier=2).double()
        mapping = generator_map(size)
        load_into(g, mapping)
        n_latent = 2 * int(math.log2(size)) - 2
        styles = formula(f"input.styles{size}", (2, n_latent, LATENT), 1.0).requires_grad_(size == 16)
        image, _ = g([styles], input_is_latent=True, noise=zero_noise(g))
        out[f"G{size}.image"] = image.detach().numpy()
        if size == 32:
            out["F.w"] = g.style(formula("input.z", (2, LATENT), 1.0)).detach().numpy()
            continue
        noise = formula("input.pl_noise", tuple(image.shape), 1.0)
        randn_like = torch.randn_like
        torch.randn_like = lambda t, **kwargs: noise.clone()  # the official function draws its own noise
        try:
            penalty, new_mean, lengths = losses["g_path_regularize"](image, styles, 0.5)
        finally:
            torch.randn_like = randn_like
        out["PL.noise"], out["PL.penalty"], out["PL.mean"], out["PL.lengths"] = noise.numpy(), penalty.detach().numpy(), new_mean.numpy(), lengths.detach().numpy()
        out.update(engine_gradients(penalty, g, {k: v for k, v in mapping.items() if k.startswith("generator.")}, "PL"))
        g16 = g

    # D (batch 8: two stddev groups), E (W+ and W) at 16²
    x = formula("input.x16", (8, 3, 16, 16), 1.0)
    d = official.Discriminator(16, channel_multiplier=2).double()
    d_map = discriminator_map("discriminator", 16)
    load_into(d, d_map)
    out["D.logits"] = d(x).detach().numpy()
    xr = x.clone().requires_grad_(True)
    r1 = losses["d_r1_loss"](d(xr), xr)
    out["R1.penalty"] = r1.detach().numpy()
    out.update(engine_gradients(r1, d, d_map, "R1"))
    for which, latent in (("wplus", "w_plus"), ("w", "w_tied")):
        e = official.Encoder(16, LATENT, channel_multiplier=2, which_latent=latent, stddev_group=1).double()
        load_into(e, discriminator_map("encoder", 16))
        code, _ = e(x)
        out[f"E.{which}"] = code.detach().numpy()
        if which == "wplus":
            rec, _ = g16([code], input_is_latent=True, noise=zero_noise(g16))
            pix = torch.mean((rec - x) ** 2)
            adv = losses["g_nonsaturating_loss"](d(rec)) * 0.1
            out["beta.pixel"], out["beta.adversarial"] = pix.detach().numpy(), adv.detach().numpy()
            out["beta"] = np.asarray(losses["calculate_adaptive_weight"](pix, adv, last_layer=g16.get_last_layer()).numpy())
    write_safetensors(out_file, {k: np.asarray(v, dtype=np.float64) for k, v in out.items()},
                      {"official": "phymhan/stylegan2-pytorch", "width": str(WIDTH), "torch": torch.__version__,
                       "written_by": "tools/aegan_reference.py"})
    print(f"wrote {out_file}: {len(out)} tensors")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "AlaeEngine.Tests", "Aegan", "Fixtures", "aegan-official.safetensors"))
