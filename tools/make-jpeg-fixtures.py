#!/usr/bin/env python3
"""Writes the JPEG variants the image-structure tests read (tests/AlaeEngine.Tests/Data/Fixtures/), from a bundled face:
a progressive JPEG (ten scans, Huffman tables between them), a baseline 4:4:4 JPEG (no chroma subsampling) and a
grey (one component) baseline JPEG. Encoded by Pillow's libjpeg, an encoder independent of the stb writer the tests also use.
Run from the repository root: /usr/bin/python3 tools/make-jpeg-fixtures.py"""
from PIL import Image

face = Image.open("data/faces128-sample/00007.png").convert("RGB")
out = "tests/AlaeEngine.Tests/Data/Fixtures/"
face.save(out + "face-progressive.jpg", quality=85, progressive=True)
face.save(out + "face-444.jpg", quality=85, subsampling=0)
face.convert("L").save(out + "face-grey.jpg", quality=85)
