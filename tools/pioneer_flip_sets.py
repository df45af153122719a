"""Builds the folders of the README's Balanced PIONEER manipulation figure from the 146 aligned faces of faces128
(the official ALAE repository's samples): train/ (faces 0-113), heldout/ (114-145) and heldout-flipped/ (the same,
mirrored: the true transform), with/ (training faces 0-31 mirrored) and without/ (the same faces as they are).
The synthetic attribute is "mirrored"; training flips faces at random, so both orientations are in the model's data.

Usage: /usr/bin/python3 tools/pioneer_flip_sets.py FACES_DIR OUT_DIR   (needs Pillow)
"""
import os
import shutil
import sys

from PIL import Image, ImageOps

src, out = sys.argv[1], sys.argv[2]
faces = sorted(f for f in os.listdir(src) if f.endswith(".png"))
if len(faces) < 146:
    sys.exit(f"expected 146 faces in {src}, found {len(faces)}")
for d in ("train", "heldout", "heldout-flipped", "with", "without"):
    os.makedirs(os.path.join(out, d), exist_ok=True)


def mirrored(name, to):
    ImageOps.mirror(Image.open(os.path.join(src, name))).save(os.path.join(out, to, name))


for i, name in enumerate(faces[:146]):
    if i < 114:
        shutil.copyfile(os.path.join(src, name), os.path.join(out, "train", name))
    else:
        shutil.copyfile(os.path.join(src, name), os.path.join(out, "heldout", name))
        mirrored(name, "heldout-flipped")
    if i < 32:
        shutil.copyfile(os.path.join(src, name), os.path.join(out, "without", name))
        mirrored(name, "with")
print(f"{out}: train 114, heldout 32 (+ mirrored), with/without 32")
