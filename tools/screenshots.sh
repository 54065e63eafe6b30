#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png: runs `vitcop-inspector --screenshot` offscreen for the
# main states. Each run uses fresh settings (the default layout, first-start gallery) so the
# pictures do not depend on whoever ran the app last.
#
#   tools/screenshots.sh [BUILD_DIR]        (default build/release; needs vitcop-inspector and
#                                            vitcop in BUILD_DIR/bin)
#
# The answered states use the embedded model (resources/model; 16x16 patches, 6 LLM layers),
# one LLaVA-1.5-sized 24x24 grid comes from --random-init llava-1.5-7b cut to 3 LLM layers
# (SKIP_7B=1 leaves it out).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/release}
BIN=$BUILD/bin/vitcop-inspector
CLI=$BUILD/bin/vitcop
MODEL=resources/model
OUT=docs/screenshots
SCENE=resources/samples/scene_2147483676.png
QUESTION="what shape is the yellow object?"
for f in "$BIN" "$CLI" "$MODEL/config.json"; do
  [[ -e $f ]] || { echo "screenshots.sh: $f not found" >&2; exit 1; }
done
mkdir -p "$OUT"
export QT_QPA_PLATFORM=offscreen
unset VITCOP_MODEL_DIR  # the startup state is README command 1's: the embedded model
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

shot() {  # shot NAME ARGS...: one state, fresh settings each time
  local name=$1
  shift
  echo "== $name"
  XDG_CONFIG_HOME=$(mktemp -d -p "$WORK") "$BIN" "$@" --screenshot "$OUT/$name.png" \
    --quit-after-answer
}

# README command 1: no options -> the embedded model answers the first sample's first question.
shot startup
shot answered-kept --model "$MODEL" --image "$SCENE" --question "$QUESTION" \
  --method vitcop --budget 33% --point llm:2 --overlay kept
shot answered-heatmap --model "$MODEL" --image "$SCENE" --question "$QUESTION" \
  --method vitcop --budget 33% --point vision --overlay heatmap
shot clusters --model "$MODEL" --image "$SCENE" --question "$QUESTION" \
  --method vitcop --budget 11% --point vision --overlay clusters
shot compare-vitcop-fastv --model "$MODEL" --image "$SCENE" --question "$QUESTION" \
  --method vitcop --budget 33% --compare-method fastv --compare-budget 33% \
  --point llm:2 --overlay difference
# A synthetic clip from the scene generator, 4 frames sampled, and its motion question.
"$CLI" scenes --out "$WORK" --seed 2147483700 --video --pixel-noise 0 > /dev/null
CLIP=$(ls "$WORK"/clip_*.avi | head -1)
CLIP_QUESTION=$(head -1 "$WORK"/samples.jsonl | sed -E 's/.*"question":"([^"]*)".*/\1/')
shot video-frames --model "$MODEL" --video "$CLIP" --frames 4 --question "$CLIP_QUESTION" \
  --method vitcop --budget 33% --point vision --overlay kept
# LLaVA-1.5-7B geometry (576 patches per image), random weights, 3 LLM layers (the fewest
# ViTCoP runs on: S < D < L).
if [[ ${SKIP_7B:-0} != 1 ]]; then
  shot random-7b-clusters --random-init llava-1.5-7b --llm-layers 3 --device cpu \
    --image "$SCENE" --question "$QUESTION" --method vitcop --budget 64 --max-new-tokens 4 \
    --point vision --overlay clusters
fi
echo "written to $OUT/"
