"""What the peer timing scripts share: thread setup before torch starts its pools, and the report they print.

Each script prints one line the comparison runner (compare.py) reads:
    result median_ms=<median of the timed iterations> peak_rss_mib=<process peak resident set> iterations=<n>
"""
import os
import resource
import statistics
import sys
import time


def set_threads(threads):
    """Pins torch's intra-op pool (and OpenMP/BLAS) to `threads`; call before importing torch."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)
    import torch
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    return torch


def time_iterations(step, iterations, warmup):
    """Runs `step` warmup times untimed, then `iterations` times timed (wall clock); returns milliseconds per iteration."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def report(times):
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    print(f"result median_ms={statistics.median(times):.3f} peak_rss_mib={peak_mib:.1f} iterations={len(times)}")
    sys.stdout.flush()


def blas_note(torch):
    """Which BLAS torch's GEMMs go to on this machine (a reference netlib BLAS makes torch's GEMMs ~50× slower)."""
    try:
        with open("/proc/self/maps") as maps:
            libs = {line.split()[-1] for line in maps if "blas" in line.lower() or "mkl" in line.lower()}
    except OSError:
        libs = set()
    config = torch.__config__.show()
    info = next((part for part in config.replace(",", "\n").split("\n") if "BLAS_INFO" in part), "BLAS_INFO=?").strip()
    return f"{info}; loaded: {', '.join(sorted(os.path.basename(l) for l in libs)) or 'none'}"
