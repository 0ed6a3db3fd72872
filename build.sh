#!/usr/bin/env bash
# DREDGE Studio set-up on Debian 12: installs missing packages (apt-get, through
# sudo when not root), builds in Release with two jobs, then
#   ./build.sh run [app arguments]   launches the app
#   ./build.sh test                  runs the whole test suite (CTest); with CI=true
#                                    also the ASan+UBSan build of it
#   ./build.sh build                 only builds
#   ./build.sh package               builds build/dredge-studio_VERSION_ARCH.deb
set -euo pipefail
cd "$(dirname "$0")"

# libsndfile1-dev: a user's audio (WAV, FLAC, …) as data (train --audio).
# libnifti2-dev: a user's NIfTI volumes (.nii, .nii.gz) as data (train --volume).
# libgloo-dev: the headers of c10d's Gloo process group, whose code is in
# LibTorch already: one run trained by several processes (train --ranks).
# libopenblas0-openmp: Debian's LibTorch calls the system BLAS, which is the
# reference netlib one unless OpenBLAS provides it; with OpenBLAS a 1000×64×64
# matrix product takes 0.14 ms instead of 1.9 ms. The OpenMP flavour follows
# LibTorch's per-thread thread count.
PACKAGES=(cmake ninja-build g++ pkg-config
          qt6-base-dev qt6-httpserver-dev qt6-websockets-dev qt6-svg-dev
          libqcustomplot-dev libqcustomplot2.1-qt6 libtorch-dev libssl-dev
          libopenblas0-openmp libqt6sql6-sqlite libgloo-dev libsndfile1-dev libnifti2-dev)
# The suite also runs the run store on a throwaway PostgreSQL cluster that the
# tests start and stop themselves (Debian's default cluster is left alone).
# The install check validates the desktop file and metainfo, renders the man
# page, and in CI builds the Debian package (dpkg-shlibdeps). The sweep suite
# runs a job array on a single-node Slurm it starts and stops itself. The
# export suite loads the TorchScript modules it writes in Python's torch (the
# same 1.13 as LibTorch), as a user of an exported model would. The data suite
# reads files other packages ship: skimage's camera.png, nibabel's NIfTI test
# volumes, alsa-utils' Front_Center.wav.
TEST_PACKAGES=(libqt6sql6-psql postgresql desktop-file-utils appstream man-db dpkg-dev
               slurm-wlm munge python3-torch
               python3-skimage python3-nibabel alsa-utils)
BUILD_DIR=${DREDGE_BUILD_DIR:-build}
JOBS=${DREDGE_JOBS:-2}

install_missing_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing missing packages: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    # Installing postgresql, slurm-wlm or munge would start (and enable) their
    # services; the tests start their own. A policy-rc.d that says no keeps services down
    # during the install; the unit is disabled after it.
    local policy=/usr/sbin/policy-rc.d own_policy=false
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
        "${sudo[@]}" chmod 755 "$policy"
        own_policy=true
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
        { [ "$own_policy" = true ] && "${sudo[@]}" rm -f "$policy"; return 1; }
    [ "$own_policy" = true ] && "${sudo[@]}" rm -f "$policy"
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
        local package
        for package in "${missing[@]}"; do
            case "$package" in
            postgresql) "${sudo[@]}" systemctl disable --now postgresql ;;
            slurm-wlm) "${sudo[@]}" systemctl disable --now slurmctld slurmd ;;
            munge) "${sudo[@]}" systemctl disable --now munge ;;
            esac >/dev/null 2>&1 || true
        done
    fi
}

build() {
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
    cmake --build "$BUILD_DIR" -j "$JOBS"
}

package() {
    rm -f "$BUILD_DIR"/dredge-studio_*.deb
    (cd "$BUILD_DIR" && cpack -G DEB)
}

# CI: the package installs with apt, its binary runs headless (versions, a
# short training run), and it removes cleanly, leaving the machine as it was.
check_package() {
    package
    local deb sudo=() scratch
    deb=$(ls "$PWD/$BUILD_DIR"/dredge-studio_*.deb)
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb"
    scratch=$(mktemp -d)
    local status=0
    /usr/bin/dredge-studio --version || status=$?
    [ $status -eq 0 ] && { DREDGE_STORE="sqlite:$scratch/runs.sqlite" \
        /usr/bin/dredge-studio train --epochs 10 --out "$scratch/run.json" || status=$?; }
    [ $status -eq 0 ] && { DREDGE_STORE="sqlite:$scratch/runs.sqlite" \
        /usr/bin/dredge-studio runs list || status=$?; }
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq dredge-studio
    rm -rf "$scratch"
    [ $status -eq 0 ] && echo "package: installed, ran and removed $(basename "$deb")"
    return $status
}

case "${1:-}" in
run)
    shift
    install_missing_packages "${PACKAGES[@]}"
    build
    exec "$BUILD_DIR/app/dredge-studio" "$@"
    ;;
test)
    install_missing_packages "${PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    build
    export QT_QPA_PLATFORM=offscreen
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS"
    # In CI the package is built, installed, run and removed, and the suite
    # runs a second time under AddressSanitizer and UndefinedBehaviorSanitizer
    # (about 13 more minutes on 2 cores; the whole CI took 23–27 minutes in a
    # fresh clone on 2026-12-07).
    if [ "${CI:-}" = true ]; then
        check_package
        cmake --preset asan
        cmake --build --preset asan
        ctest --preset asan
    fi
    ;;
build)
    install_missing_packages "${PACKAGES[@]}"
    build
    ;;
package)
    install_missing_packages "${PACKAGES[@]}" dpkg-dev
    build
    package
    ;;
*)
    echo "usage: $0 run [app arguments] | test | build | package" >&2
    exit 2
    ;;
esac
