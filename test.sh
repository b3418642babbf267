#!/usr/bin/env bash
# Runs every HealthLedger test (all test projects) and ends with one totals line:
#   N passed, N failed, N skipped
# Exits non-zero on any failure. The browser tests drive a real Chromium: Debian's `chromium` package is
# installed here when it is missing (as root, or through sudo); set CHROMIUM_PATH to use another build. The PostgreSQL
# ledger store's tests and the benchmark test start throwaway PostgreSQL servers (stopped and removed after; one left by a
# killed run is stopped by the next): Debian's `postgresql` package is installed the same way when missing, and so
# are the printout fonts (fonts-noto-core, fonts-droid-fallback, fonts-nanum), poppler-utils for the PDF tests and strace
# for the document store's durability test. The full-disk test mounts a small tmpfs, and the frozen-disk test an ext4
# image through a loop device (as root, or through password-less sudo).
set -uo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 2
fi

# Installs a Debian package (as root, or through sudo) or stops with one clear line.
install_package() {
  local package=$1 purpose=$2 sudo=""
  echo "Installing Debian's $package for $purpose..."
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "error: $package is missing and this user cannot install it; install the '$package' package" >&2
      exit 2
    fi
  fi
  $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$package" >/dev/null || {
    echo "error: could not install $package with apt-get" >&2
    exit 2
  }
}

if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  install_package chromium "the browser tests (or set CHROMIUM_PATH)"
fi
export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  install_package postgresql "the PostgreSQL ledger store's tests and the benchmark"
fi

# Report printouts embed fonts for every script (docs/operations.md); the PDF tests read them back with poppler.
[ -f /usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf ] || install_package fonts-noto-core "report printouts in Indic, Arabic, Hebrew, Thai… scripts"
[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || install_package fonts-droid-fallback "report printouts in Chinese and Japanese"
[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || install_package fonts-nanum "report printouts in Korean"
command -v pdftotext >/dev/null 2>&1 || install_package poppler-utils "the PDF tests (pdftotext, pdffonts)"
# The document store's durability test watches the system calls of a document write (a folder fsynced after each rename).
command -v strace >/dev/null 2>&1 || install_package strace "the document store's durability test"
# The frozen-disk test stalls an ext4 image's writes (mkfs.ext4, fsfreeze; mounted through a loop device as root or password-less sudo).
[ -x /usr/sbin/mkfs.ext4 ] || command -v mkfs.ext4 >/dev/null 2>&1 || install_package e2fsprogs "the frozen-disk test (mkfs.ext4)"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
# Dynamic PGO off for the test run only (the test hosts and every node or CLI process the tests start inherit it): it
# instruments hot methods so that a long-running node re-compiles them for its workload, which the tests' hundreds of
# short-lived processes pay for and never gain from. Measured on ConsortiumUpTests (four node processes and CLI commands,
# 2 cores): 15-20% less CPU. The code and its results are the same; deployments and `healthledger bench` keep the runtime's
# default (on), which makes a long-running node faster (docs/benchmarks.md).
export DOTNET_TieredPGO=0

# One test project at a time: each runs its own classes in parallel already, and two projects at once on two cores (the
# browser tests' Chromium next to the CLI tests' process clusters) stretched logins and start-ups past their bounds.
# Release: the same code and the same tests (nothing in src/ or tests/ differs by configuration: no #if DEBUG, no
# Debug.Assert), JIT-optimised as the benchmark and a deployment run it, in the test process and in every node process the
# CLI tests start. On a clean clone with 2 cores (2026-12-03, .ci/run) the tests took 17.2 min, about 20 min with the
# build: browser 6.3, CLI 7.1, node 3.1 (21.4 min before dynamic PGO was turned off above and the emergency drill's waits
# were shortened). Both the browser tests (Chromium) and the CLI tests (their node processes) keep the two cores busy
# (2026-12-04: 1.95 and 1.8 cores on average), so running more at once does not make them shorter; the processes the CLI
# tests start also re-compile methods later (CliProcess: DOTNET_TC_CallCountThreshold, 20% less CPU for that project).
# Release builds are ReadyToRun (Directory.Build.targets): the processes start on precompiled code; on a clean clone with 2
# cores (2026-12-05) .ci/run took 1,200 s against 1,300 s without (CLI tests 6.3 against 7.6 min; docs/benchmarks.md).
dotnet test --solution HealthLedger.slnx -c Release --max-parallel-test-modules 1 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

total=$(grep -E '^\s+total: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+')
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+')
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+')
skipped=$(grep -E '^\s+skipped: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+')

if [ -z "$total" ]; then
  echo "error: no test summary found (did the build fail?)" >&2
  exit "$([ "$status" -ne 0 ] && echo "$status" || echo 1)"
fi
if [ "$total" -eq 0 ]; then
  echo "error: no tests ran" >&2
  exit 1
fi
if [ "${failed:-0}" -ne 0 ]; then
  # The failed tests by name, next to the totals (the run's output above can be long).
  echo "Failed tests:"
  awk '/^failed [A-Za-z_]/ { sub(/^failed /, "  "); print; want = 1; next }
       want && /^  from / { next }
       want { sub(/^ +/, "    "); print substr($0, 1, 300); want = 0 }' "$log"
fi
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$status"
