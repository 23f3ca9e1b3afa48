#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the demo need,
# and only those that are missing. Safe to run again and again.
set -euo pipefail

packages=(
  cmake make gcc pkg-config   # the build
  libcmocka-dev               # unit-test framework
  libcurl4-openssl-dev        # otactl's HTTP client (multi interface)
  libcjson-dev                # otactl parses the nodes' JSON
  libssl-dev                  # SHA-256 and MD5 (libcrypto) for images and partition tables
  libhttp-parser-dev          # HTTP parsing in the virtual node's esp_http_server
  libmbedtls-dev              # the firmware's HMAC-SHA256 and SHA-256 (mbedtls md API) in the virtual node
  curl                        # end-to-end tests run the recipe's curl commands
  jq                          # end-to-end tests read the nodes' JSON
  openssl bc                  # the signed-image test cross-checks otactl's RSA-PSS block with the openssl CLI and bc
  clang-format                # the style check in the test suite
  groff-base man-db           # e2e.install_tree renders the generated man pages (man -l, groff -ww)
  gcc-multilib                # 32-bit syntax check of the ESP-IDF apps against ESP-IDF's headers
  clang libclang-rt-dev       # fuzz/: clang with its libFuzzer, ASan and UBSan runtimes
  llvm                        # llvm-symbolizer: source lines in the fuzzers' crash reports
  valgrind                    # tests/ct: the firmware's secret comparisons checked constant-time under memcheck
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
