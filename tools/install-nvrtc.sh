#!/usr/bin/env bash
# Installs NVRTC 11.8 from Debian 12's non-free component (package libnvrtc11.2, soname libnvrtc.so.11.2), so the
# CUDA kernels can be compiled to sm_90 CUBIN and checked on a machine without a GPU. Idempotent and quiet; run as root.
set -euo pipefail

if ldconfig -p 2>/dev/null | grep -q 'libnvrtc\.so\.11\.2 '; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then echo "install-nvrtc.sh: run as root (it calls apt-get install)" >&2; exit 1; fi

# Add "non-free" to every Debian entry that lacks it. Debian 12 keeps its sources in deb822 form
# (/etc/apt/sources.list.d/debian.sources, "Components: main ..."); older images use one-line /etc/apt/sources.list.
# The guard /non-free( |$)/ leaves lines alone that already have it, and does not mistake non-free-firmware for it.
deb822=/etc/apt/sources.list.d/debian.sources
oneline=/etc/apt/sources.list
if [ -f "$deb822" ]; then
    sed -i -E '/^Components:/{/ non-free( |$)/!s/$/ non-free/}' "$deb822"
elif [ -f "$oneline" ]; then
    sed -i -E '/^deb .*debian.* main/{/ non-free( |$)/!s/$/ non-free/}' "$oneline"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends libnvrtc11.2 && ldconfig; } >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
fi
