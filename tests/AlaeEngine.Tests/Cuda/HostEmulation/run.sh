#!/usr/bin/env bash
# Runs the CUDA tests against a host emulation of the driver and cuBLAS (no GPU needed): builds fake libcuda and
# libcublas from this folder and kernels/*.cu with g++, points ALAE_LIBCUDA / ALAE_LIBCUBLAS at them and runs the
# Cuda tests, GPU parity included. NVRTC is the real one (tools/install-nvrtc.sh). A pass here means the launchers,
# kernel arguments, index arithmetic and GEMM mapping agree with the CPU reference; only a GPU run shows the rest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for cu in "$repo"/kernels/*.cu; do
    name=$(basename "$cu" .cu)
    {
        echo "#include \"cuda_shim.h\""
        echo "#include \"$cu\""
        grep -oE 'extern "C" __global__ void (__launch_bounds__\([0-9]+\) )?[a-z0-9_]+' "$cu" | awk '{ print "static RegisterKernel r_" $NF "(\"" $NF "\", &" $NF ");" }'
    } > "$out/kernels_$name.cpp"
done
g++ -std=c++20 -O1 -fPIC -shared -I"$here" -o "$out/libcuda-emulated.so" "$here/fake_cuda.cpp" "$out"/kernels_*.cpp -lpthread
g++ -std=c++20 -O1 -fPIC -shared -o "$out/libcublas-emulated.so" "$here/fake_cublas.cpp"
cd "$repo"
ALAE_LIBCUDA="$out/libcuda-emulated.so" ALAE_LIBCUBLAS="$out/libcublas-emulated.so" ALAE_KERNEL_CACHE="$out/cache" \
    dotnet test tests/AlaeEngine.Tests -- --filter "FullyQualifiedName~Cuda" "$@"
