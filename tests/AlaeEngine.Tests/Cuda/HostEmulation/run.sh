#!/usr/bin/env bash
# Runs the CUDA tests against a host emulation of the driver and cuBLAS (no GPU needed): builds fake libcuda and
# libcublas from this folder and kernels/*.cu with g++, points ALAE_LIBCUDA / ALAE_LIBCUBLAS at them and runs the
# Cuda tests, GPU parity included. NVRTC is the real one (tools/install-nvrtc.sh). A pass here means the launchers,
# kernel arguments, index arithmetic and GEMM mapping agree with the CPU reference, and that no barrier the emulation's
# changing thread orders need is missing (fake_cuda.cpp); only a GPU run shows the rest.
# Extra arguments go to the test runner after the Cuda filter.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
# run.sh --build-only DIR: only build the libraries into DIR (libcuda-emulated.so, libcublas-emulated.so, versioned/),
# e.g. for `alae … --device cuda` or tools/gpu-checks.sh --rehearsal with ALAE_LIBCUDA / ALAE_LIBCUBLAS set to them
if [ "${1:-}" = --build-only ]; then
    out=$(mkdir -p "${2:?run.sh --build-only DIR}" && cd "$2" && pwd)
    rm -f "$out"/kernels_*
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi
# one translation unit per kernel file, registering its kernels with the family name and whether the file
# synchronises; and per __syncthreads() of such a file, a copy with that barrier removed (its kernels renamed, in a
# namespace of their own), which the tests of the emulation plant through emu_plant_missing_barrier
for cu in "$repo"/kernels/*.cu; do
    family=$(basename "$cu" .cu)
    kernels=$(grep -oE 'extern "C" __global__ void (__launch_bounds__\([0-9]+\) )?[a-z0-9_]+' "$cu" | awk '{ print $NF }')
    sync=false
    grep -qE '__syncthreads|__shfl_' "$cu" && sync=true
    {
        echo "#include \"cuda_shim.h\""
        echo "#include \"$cu\""
        for k in $kernels; do echo "static RegisterKernel r_$k(\"$k\", \"$family\", $sync, 0, &$k);"; done
    } > "$out/kernels_$family.cpp"
    barriers=$( (grep -o '__syncthreads();' "$cu" || true) | wc -l)
    for b in $(seq 1 "$barriers"); do
        copy="$out/planted_${family}_$b.cu"
        awk -v n="$b" '{
            out = ""; s = $0
            while ((i = index(s, "__syncthreads();")) > 0) {
                c++
                out = out substr(s, 1, i - 1) (c == n ? "/* planted: barrier removed */" : "__syncthreads();")
                s = substr(s, i + 16)
            }
            print out s
        }' "$cu" > "$copy"
        for k in $kernels; do sed -i -E "s/\b$k\b/${k}__planted_$b/" "$copy"; done
        {
            echo "#include \"cuda_shim.h\""
            echo "namespace planted_${family}_$b {"
            echo "#include \"$copy\""
            echo "}"
            for k in $kernels; do
                echo "static RegisterKernel r_${k}_$b(\"$k\", \"$family\", true, $b, &planted_${family}_$b::${k}__planted_$b);"
            done
        } > "$out/kernels_planted_${family}_$b.cpp"
    done
done
for unit in "$out"/kernels_*.cpp; do
    g++ -std=c++20 -O1 -fPIC -c -I"$here" -o "${unit%.cpp}.o" "$unit" &
done
wait
g++ -std=c++20 -O1 -fPIC -shared -I"$here" -o "$out/libcuda-emulated.so" "$here/fake_cuda.cpp" "$out"/kernels_*.o -lpthread
g++ -std=c++20 -O1 -fPIC -shared -o "$out/libcublas-emulated.so" "$here/fake_cublas.cpp"
# an NVRTC / cuBLAS of each major version, for the tests of the library choice by driver version
mkdir -p "$out/versioned"
for major in 12 13; do
    g++ -std=c++20 -O1 -fPIC -shared -DMAJOR=$major -o "$out/versioned/cuda-library-$major.so" "$here/fake_versioned_library.cpp"
done
[ "${1:-}" = --build-only ] && exit 0
cd "$repo"
ALAE_LIBCUDA="$out/libcuda-emulated.so" ALAE_LIBCUBLAS="$out/libcublas-emulated.so" ALAE_KERNEL_CACHE="$out/cache" ALAE_EMU_VERSIONED_LIBS="$out/versioned" \
    dotnet test tests/AlaeEngine.Tests -- --filter "FullyQualifiedName~Cuda" "$@"
