#!/usr/bin/python3
"""Writes the fixtures that check the engine's VGG16 trunk against torchvision's (tests/.../Aegan/Vgg16Tests.cs).

Usage: tools/vgg16_fixture.py [OUT_DIR]   (default tests/AlaeEngine.Tests/Aegan/Fixtures; needs torch, torchvision, numpy)

1. vgg16-outputs.safetensors: torchvision.models.vgg16().features[:23] (conv1_1 ... conv4_3 + ReLU, full width) in
   float64, its weights and a 1x3x16x16 input in [-1, 1] set by a formula both sides compute bit for bit (below; no
   weights are stored), with in-domain inversion's preprocessing (written as its perceptual_model.py does it):
   "formula.caffe-bgr".
2. vgg16-small.safetensors: a narrow VGG16 built by torchvision's own make_layers (widths 4, 4, 8, 8, 16 x3, 32 x3),
   random weights (seed 7), converted from its state dict by tools/vgg16_to_safetensors.py (input caffe-bgr), and in
   vgg16-outputs.safetensors "small.input" and its outputs in float64 from the stored float32 weights under each input
   preprocessing the engine offers: "small.caffe-bgr" and "small.torchvision-rgb".

The formula: for a tensor named N with n elements, h = FNV-1a-64(UTF-8 N); element i is
(2·u − 1)·scale with u = (splitmix64(h + i) >> 11)·2⁻⁵³, scale = √(6 / fan_in) for weights, 0.1 for biases, 1 for the
input (all arithmetic modulo 2⁶⁴, then exact or correctly rounded float64 operations).
"""
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vgg16_to_safetensors import FEATURE_INDICES, LAYER_NAMES, convert, write_safetensors  # noqa: E402

CAFFE_MEANS_BGR = (103.939, 116.779, 123.68)
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
SMALL_WIDTHS = [4, 4, "M", 8, 8, "M", 16, 16, 16, "M", 32, 32, 32]


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def formula(name, shape, scale):
    n = int(np.prod(shape))
    with np.errstate(over="ignore"):
        z = np.uint64(fnv1a64(name)) + np.arange(n, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    return torch.from_numpy(((2 * u - 1) * scale).reshape(shape))


def preprocess(x, kind):
    if kind == "caffe-bgr":  # in-domain inversion's VGG16.forward with min_val -1, max_val 1 and float32 means
        mean = torch.from_numpy(np.array(CAFFE_MEANS_BGR)).view(1, 3, 1, 1).type(torch.FloatTensor)
        x = (x - (-1.0)) * 255.0 / (1.0 - (-1.0))
        return x[:, [2, 1, 0], :, :] - mean.to(x.dtype)
    mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float64).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, dtype=torch.float64).view(1, 3, 1, 1)
    return ((x + 1) / 2 - mean) / std


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    outputs = {}
    with torch.no_grad():
        trunk = torchvision.models.vgg16().features[:23].double()
        for index, name in zip(FEATURE_INDICES, LAYER_NAMES):
            conv = trunk[index]
            fan_in = conv.in_channels * 9
            conv.weight.copy_(formula(f"{name}.weight", tuple(conv.weight.shape), math.sqrt(6.0 / fan_in)))
            conv.bias.copy_(formula(f"{name}.bias", tuple(conv.bias.shape), 0.1))
        outputs["formula.caffe-bgr"] = trunk(preprocess(formula("input", (1, 3, 16, 16), 1.0), "caffe-bgr")).numpy()

        torch.manual_seed(7)
        small = torch.nn.Module()
        small.features = torchvision.models.vgg.make_layers(SMALL_WIDTHS)
        with tempfile.TemporaryDirectory() as tmp:  # through the converter's command line, as a user runs it
            pth = os.path.join(tmp, "small.pth")
            torch.save(small.state_dict(), pth)
            subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "vgg16_to_safetensors.py"),
                            pth, os.path.join(out_dir, "vgg16-small.safetensors"), "--input", "caffe-bgr"], check=True)
        stored, _, _ = convert(small.state_dict())  # the float32 values the file holds
        for index, name in zip(FEATURE_INDICES, LAYER_NAMES):
            small.features[index].weight.copy_(torch.from_numpy(stored[f"{name}.weight"]))
            small.features[index].bias.copy_(torch.from_numpy(stored[f"{name}.bias"]))
        small_trunk = small.features[:23].double()
        xs = formula("small.input", (2, 3, 16, 16), 1.0)
        outputs["small.input"] = xs.numpy()
        for kind in ("caffe-bgr", "torchvision-rgb"):
            outputs[f"small.{kind}"] = small_trunk(preprocess(xs, kind)).numpy()
    write_safetensors(os.path.join(out_dir, "vgg16-outputs.safetensors"), outputs,
                      {"torch": torch.__version__, "torchvision": torchvision.__version__, "written_by": "tools/vgg16_fixture.py"})
    print(f"wrote {out_dir}/vgg16-outputs.safetensors and vgg16-small.safetensors")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                                             "AlaeEngine.Tests", "Aegan", "Fixtures"))
