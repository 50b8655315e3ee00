#!/usr/bin/env bash
# IntegralAction's three stages on the built-in synthetic data, where
# appearance misleads as on Mimetics: train the RGB and the pose streams,
# merge their checkpoints, train the pose-gated model with both backbones
# frozen, test each model (10 clips, --dump) on the clips with their own
# props (val) and on the mimed clips that hold another class's prop, then
# draw the gate of a few mimed clips. Run tools/install.sh (or
# tools/quickstart.sh) first.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
DATA=data/synthetic_props
WORK=${WORK_DIR:-work_dirs/synthetic_integralaction}

python tools/data/generate_synthetic.py "$DATA/coco2d.pkl" \
    --mimed-per-class 10 --videos "$DATA/videos" \
    --label-map "$DATA/label_map.txt"
for stage in rgb_only pose_only rgbpose; do
    config="configs/integralaction/synthetic_$stage.py"
    extra=()
    if [ "$stage" = rgbpose ]; then
        python tools/integralaction_merge.py \
            "$(cat "$WORK/rgb_only/last_checkpoint")" \
            "$(cat "$WORK/pose_only/last_checkpoint")" \
            --out "$WORK/merged.pth"
        extra=(--cfg-options load_from="$WORK/merged.pth")
    fi
    python tools/train.py "$config" --work-dir "$WORK/$stage" --seed 0 \
        "${extra[@]}"
    for split in val mimed; do
        python tools/test.py "$config" \
            "$(cat "$WORK/$stage/last_checkpoint")" \
            --work-dir "$WORK/$stage" --dump "$WORK/$stage/$split.pkl" \
            --cfg-options test_dataloader.dataset.split=$split
    done
done
for stage in rgb_only pose_only rgbpose; do
    for split in val mimed; do
        echo "$stage on $split:"
        python tools/ensemble.py "$WORK/$stage/$split.pkl"
    done
done
# per frame, how much the model trusts pose (1) over appearance (0)
python tools/visualize_gate.py configs/integralaction/synthetic_rgbpose.py \
    "$(cat "$WORK/rgbpose/last_checkpoint")" --out-dir "$WORK/gates" \
    --num 4 --label-map "$DATA/label_map.txt"
