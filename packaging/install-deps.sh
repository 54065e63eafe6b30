#!/usr/bin/env bash
# Installs every Debian 12 package needed to build, test and run ViTCoP Inspector.
# Idempotent and non-interactive: on a complete machine it only asks dpkg and exits (~1 s).
# Why these packages: see docs/building.md (libqt6opengl6-dev lets Qt Charts configure;
# libopenblas0-openmp keeps LibTorch off the reference BLAS, which is 30-60x slower).
set -euo pipefail

packages=(
  # toolchain
  cmake ninja-build g++ pkg-config git
  # Qt 6 widgets, charts, svg, offscreen/xcb platform plugins
  qt6-base-dev libqt6opengl6-dev qt6-charts-dev qt6-svg-dev libqt6svg6 qt6-qpa-plugins
  libgl1-mesa-dev libxkbcommon-dev fonts-dejavu-core
  # pdftoppm and pdfinfo: the export tests render PDFs back and read their metadata
  poppler-utils
  # LibTorch 1.13 with the OpenMP OpenBLAS it needs to be fast
  libtorch-dev libopenblas0-openmp
  # imaging / video, JSON
  libopencv-dev nlohmann-json3-dev
  # SentencePiece command-line tools: spm_train builds the embedded model's tokenizer and
  # spm_encode cross-checks our own tokenizer (the library is never linked: it crashes with
  # LibTorch in one process, see docs/building.md)
  sentencepiece
  # tests
  libgtest-dev libgmock-dev xvfb xauth
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
