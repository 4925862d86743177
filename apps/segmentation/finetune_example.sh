#!/usr/bin/env bash
# Fine-tune fcn8s-camvid on your own data, then score it and segment with it.
#
#   bash apps/segmentation/finetune_example.sh DATA_DIR [CLASSES] [EPOCHS]
#   bash apps/segmentation/finetune_example.sh my_cracks "background,crack" 20
#
# DATA_DIR holds train/images + train/masks and val/images + val/masks (masks: PNGs of class
# indices, same stem as the image, 255 = void); or a CamVid / VOC layout. CLASSES (comma-
# separated) gives a new head; without it the classes come from DATA_DIR/classes.txt.
# Settings: apps/segmentation/recipes/finetune.toml (override with --set KEY=VALUE).
set -euo pipefail

DATA=${1:?usage: finetune_example.sh DATA_DIR [CLASSES] [EPOCHS]}
CLASSES=${2:-}
EPOCHS=${3:-20}
OUT=runs/fcn8s-camvid-finetune

zoo finetune fcn8s-camvid --data "$DATA" ${CLASSES:+--classes "$CLASSES"} --epochs "$EPOCHS" \
    --out "$OUT"
zoo eval "$OUT/best.keras" --data "$DATA" --split val | tee "$OUT/eval_val.txt"
VAL_IMAGES="$DATA/val/images"
[ -d "$VAL_IMAGES" ] || VAL_IMAGES="$DATA/val"  # CamVid layout
zoo segment "$VAL_IMAGES" --model "$OUT/best.keras" --out "$OUT/segment_val"
echo "model: $OUT/best.keras   scores: $OUT/eval_val.txt   masks + overlays: $OUT/segment_val/"
