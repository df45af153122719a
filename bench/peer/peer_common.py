"""What the peer timing scripts share: thread setup before torch starts its pools, and the report they print.

Each script prints one line the comparison runner (compare.py) reads:
    result median_ms=<median of the timed iterations> peak_rss_mib=<process peak resident set> iterations=<n>
           images_per_s=<batch / median> [peak_gpu_mib=<torch's peak allocated GPU memory, on a GPU>]
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


def use_device(torch, name):
    """Where the script's tensors live: "cpu", or "cuda", where new tensors then default to the GPU as the official
    code's launcher makes them (it sets the default tensor type; model code calls torch.randn without a device).
    Returns (device, sync, description): sync waits for the queued GPU work, so that a timing covers its iteration."""
    if name == "cpu":
        return torch.device("cpu"), (lambda: None), "CPU"
    if not torch.cuda.is_available():
        sys.exit(f"--device cuda: torch {torch.__version__} sees no CUDA device")
    if hasattr(torch, "set_default_device"):
        torch.set_default_device("cuda")
    else:
        torch.set_default_tensor_type("torch.cuda.FloatTensor")
    return torch.device("cuda"), torch.cuda.synchronize, f"{torch.cuda.get_device_name(0)}, CUDA {torch.version.cuda}"


def time_iterations(step, iterations, warmup, sync=lambda: None):
    """Runs `step` warmup times untimed, then `iterations` times timed (wall clock, each ended by `sync`); returns
    milliseconds per iteration."""
    for _ in range(warmup):
        step()
    sync()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        step()
        sync()
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def report(times, batch, device=None):
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    median = statistics.median(times)
    line = (f"result median_ms={median:.3f} peak_rss_mib={peak_mib:.1f} iterations={len(times)} "
            f"images_per_s={1000.0 * batch / median:.1f}")
    if device is not None and device.type == "cuda":
        import torch
        line += f" peak_gpu_mib={torch.cuda.max_memory_allocated() / 1024.0 / 1024.0:.1f}"
    print(line)
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
