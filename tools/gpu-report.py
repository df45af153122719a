"""Issue 9's README table from one gpu-checks.sh output folder: for each training case, the engine's `alae bench train`
figures beside the official code's (or, for MLP-ALAE, the PyTorch twin's) timed on the same GPU in the same run, and
the official code's published H100 figures for the StyleALAE cases. Prints Markdown; a case a step did not produce is "—".

    python3 tools/gpu-report.py OUT_DIR
"""
import os
import re
import sys

# (engine step, peer step, label, the official code's images/s on an H100 as issue 9 quotes them)
CASES = [
    ("bench-mlp-128", "twin-mlp-128", "MLP-ALAE b128 (peer: the PyTorch twin)", None),
    ("bench-style-8-64", "official-style-8-64", "StyleALAE celeba-hq256 8² b64", 419),
    ("bench-style-32-64", "official-style-32-64", "StyleALAE celeba-hq256 32² b64", 207),
    ("bench-style-64-32", "official-style-64-32", "StyleALAE celeba-hq256 64² b32", 84),
    ("bench-style-128-32", "official-style-128-32", "StyleALAE celeba-hq256 128² b32", 61),
    ("bench-style-256-16", "official-style-256-16", "StyleALAE celeba-hq256 256² b16", 9.5),
    ("bench-mnist-32-128", "official-mnist-32-128", "StyleALAE mnist 32² b128", 674),
]


def read(folder, step):
    path = os.path.join(folder, step + ".txt")
    if not os.path.isfile(path):
        return ""
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def number(pattern, text):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else None


def engine(text):
    """(ms per iteration, images/s, peak MiB) from alae bench train's output."""
    return (number(r"(?m)^median\s+([\d.]+) ms", text),
            number(r"throughput\s+([\d.]+) images/s", text), number(r"peak memory\s+([\d.]+) MiB", text))


def peer(text):
    """(ms per iteration, images/s, peak GPU MiB) from a peer timer's result line."""
    return (number(r"median_ms=([\d.]+)", text), number(r"images_per_s=([\d.]+)", text), number(r"peak_gpu_mib=([\d.]+)", text))


def cell(value, digits=1):
    return "—" if value is None else f"{value:.{digits}f}"


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: python3 tools/gpu-report.py OUT_DIR   (the folder gpu-checks.sh wrote)")
    folder = sys.argv[1]
    summary = read(folder, "summary").splitlines()
    print(f"From {folder}: {summary[0] if summary else 'no summary.txt'}")
    if summary and "--rehearsal" in summary[0]:
        print("A rehearsal: the engine ran the tiny preset and the peers the cut-down cases; no row compares like with like.")
    gpu = re.search(r"^CUDA: (.+)$", read(folder, "bench-mlp-128") or read(folder, "selftest"), re.M)
    torch = re.search(r"^torch .+$", read(folder, "versions"), re.M)
    print(f"Engine: {gpu.group(1) if gpu else '?'}; peers: {torch.group(0) if torch else '?'}")
    print()
    print("| case | engine ms/iter | engine img/s | engine peak MiB | peer ms/iter | peer img/s | peer peak GPU MiB "
          "| engine ÷ peer time | official on an H100 (img/s) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for engine_step, peer_step, label, h100 in CASES:
        e_ms, e_ips, e_mib = engine(read(folder, engine_step))
        p_ms, p_ips, p_mib = peer(read(folder, peer_step))
        ratio = e_ms / p_ms if e_ms and p_ms else None
        print(f"| {label} | {cell(e_ms)} | {cell(e_ips)} | {cell(e_mib)} | {cell(p_ms)} | {cell(p_ips)} | "
              f"{cell(p_mib)} | {cell(ratio, 2)} | {'—' if h100 is None else h100} |")


if __name__ == "__main__":
    main()
