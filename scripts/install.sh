#!/usr/bin/env bash
# Installs everything facestream needs on a fresh Debian 12 machine: system packages, then npm ci.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

packages=(
  ffmpeg opencv-data                                       # camera/file decoding, Haar cascades
  python3-torch python3-opencv python3-sklearn python3-matplotlib python3-onnx  # training/
  gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad gstreamer1.0-libav gstreamer1.0-rtsp  # RTSP test server
  chromium                                                 # dashboard browser tests
)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${#missing[@]} Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
npm ci --no-audit --no-fund
