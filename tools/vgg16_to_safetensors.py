#!/usr/bin/python3
"""Convert VGG16 weights to the safetensors trunk that `alae train aegan --perceptual vgg16 --vgg-weights FILE` reads.

Usage:
    tools/vgg16_to_safetensors.py IN.pth OUT.safetensors [--input caffe-bgr|torchvision-rgb]

IN.pth is a VGG16 state dict (or a pickled model) read with torch.load on the CPU, either
  - torchvision's (keys features.N.weight / features.N.bias, e.g. the ImageNet file vgg16-397923af.pth that
    torchvision.models.vgg16(weights="IMAGENET1K_V1") downloads), or
  - in-domain inversion's vgg16.pth (genforce/idinvert_pytorch; keys layerN.weight / layerN.bias), the network
    AE-StyleGAN's official code uses for its perceptual loss (Keras/Caffe weights).
Only the ten convolutions up to conv4_3 are kept (feature indices 0, 2, 5, 7, 10, 12, 14, 17, 19, 21), renamed
conv1_1 ... conv4_3 and stored as float32. The metadata "input" records the preprocessing the weights were trained with,
which the engine applies: "torchvision-rgb" ((x + 1)/2, minus the ImageNet mean, over its std) for torchvision's keys,
"caffe-bgr" ((x + 1)·127.5, RGB -> BGR, minus (103.939, 116.779, 123.68)) for in-domain inversion's; --input overrides
it (e.g. for Caffe weights saved under torchvision's names). Needs torch and numpy; the output is written atomically.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

FEATURE_INDICES = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21]
LAYER_NAMES = ["conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3", "conv4_1", "conv4_2", "conv4_3"]
INPUTS = ("caffe-bgr", "torchvision-rgb")


def convert(state_dict, input_kind=None):
    """(tensors, input): the trunk's tensors as float32 numpy arrays named conv1_1.weight ..., and the input kind."""
    keys = set(state_dict.keys())
    if any(k.startswith("features.") for k in keys):
        source, prefix, default_input = "torchvision", "features.", "torchvision-rgb"
    elif any(k.startswith("layer") for k in keys):
        source, prefix, default_input = "idinvert", "layer", "caffe-bgr"
    else:
        raise ValueError("neither torchvision's (features.N.*) nor in-domain inversion's (layerN.*) VGG16 keys; found e.g. "
                         + ", ".join(sorted(keys)[:5]))
    input_kind = input_kind or default_input
    if input_kind not in INPUTS:
        raise ValueError(f"input must be one of {INPUTS}, got {input_kind!r}")
    tensors, in_channels = {}, 3
    for index, name in zip(FEATURE_INDICES, LAYER_NAMES):
        for part in ("weight", "bias"):
            key = f"{prefix}{index}.{part}"
            if key not in state_dict:
                raise ValueError(f"{source} state dict has no {key} (the {name} convolution)")
            tensors[f"{name}.{part}"] = state_dict[key].detach().cpu().float().numpy()
        w = tensors[f"{name}.weight"]
        if w.ndim != 4 or w.shape[1] != in_channels or w.shape[2:] != (3, 3):
            raise ValueError(f"{name}.weight has shape {tuple(w.shape)}, expected (out, {in_channels}, 3, 3)")
        if tensors[f"{name}.bias"].shape != (w.shape[0],):
            raise ValueError(f"{name}.bias has shape {tuple(tensors[f'{name}.bias'].shape)}, expected ({w.shape[0]},)")
        in_channels = w.shape[0]
    return tensors, input_kind, source


def write_safetensors(path, tensors, metadata):
    """The safetensors layout: 8-byte little-endian header length, JSON header padded to 8 bytes, raw data. Atomic."""
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        dtype = {np.dtype("float32"): "F32", np.dtype("float64"): "F64"}[a.dtype]
        data = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="VGG16 state dict (.pth)")
    parser.add_argument("output", help="safetensors file to write")
    parser.add_argument("--input", choices=INPUTS, help="preprocessing the weights expect (default: from the key names)")
    args = parser.parse_args(argv)
    import torch
    loaded = torch.load(args.source, map_location="cpu")
    state = loaded.state_dict() if hasattr(loaded, "state_dict") else loaded
    try:
        tensors, input_kind, source = convert(state, args.input)
    except ValueError as e:
        sys.exit(f"{args.source}: {e}")
    write_safetensors(args.output, tensors, {"format": "alae-vgg16-trunk", "input": input_kind, "source": source})
    print(f"{args.output}: {len(tensors)} tensors from {source}'s VGG16, input {input_kind}")


if __name__ == "__main__":
    main(sys.argv[1:])
