#!/usr/bin/env bash
# Set up hd-desktop on a fresh Debian/Ubuntu machine, then open the app or run the tests.
#
#   bash tools/setup.sh app     # system libraries, .venv, then the app on the bundled corpus
#   bash tools/setup.sh test    # the same set-up with the test extras, then the whole test suite
#   bash tools/setup.sh lint    # the same set-up with the test extras, then ruff (as .ci/run does)
#   bash tools/setup.sh         # set-up only
#
# System libraries come from apt-get when run as root; otherwise the one line to run is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-setup}"
shift || true

APT_PACKAGES=(
  python3-venv python3-dev build-essential          # the venv, and pyworld's C++ build
  libportaudio2 libsndfile1                         # sounddevice, soundfile
  libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0   # Qt's xcb window
  fonts-noto-cjk                                    # the Japanese listener texts (no tofu boxes)
)
kind=app extras=""
case "$mode" in test|lint) kind=test extras="[test]" ;; esac
if [ "$kind" = test ]; then
  APT_PACKAGES+=(jackd2 xvfb)   # the tests' virtual output device (JACK dummy) and screen
  APT_PACKAGES+=(chromium chromium-driver)   # a real browser for the online-study tests
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing system libraries: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "hd-desktop needs these system libraries. Run this once, then run this script again:"
    echo "  sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
stamp=".venv/.hd-setup-$(cat pyproject.toml | sha256sum | cut -c1-16)-$kind"
if [ ! -e "$stamp" ]; then
  echo "== installing Python packages into .venv (first time: a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  # pyworld builds from source against numpy and needs pkg_resources (setuptools < 81);
  # torch 2.13.0 is the CPU wheel (any other spec pulls a multi-GB CUDA build).
  .venv/bin/python -m pip install -q "setuptools>=77.0.3,<81" wheel numpy cython
  .venv/bin/python -m pip install -q --no-build-isolation -e ".${extras}"
  touch "$stamp"
fi

case "$mode" in
  app)
    exec .venv/bin/hd-desktop "$@" ;;
  test)
    export QT_QPA_PLATFORM=offscreen
    # three workers (HD_TEST_WORKERS; 0 runs in this process): on two cores the third fills the
    # time the others wait on a browser or on real-time playback. A test file each at a time, so
    # a module's costly fixture (the browser runs, the voice spaces) is made once; the longest
    # files first (tests/conftest.py), so the workers end together
    exec .venv/bin/python -m pytest -n "${HD_TEST_WORKERS:-3}" --dist loadfile \
      --no-loadscope-reorder "$@" ;;
  lint)
    exec .venv/bin/ruff check "$@" . ;;
  setup)
    echo "ready: .venv/bin/hd-desktop opens the app" ;;
  *)
    echo "usage: bash tools/setup.sh [app|test|lint] [arguments...]" >&2; exit 2 ;;
esac
