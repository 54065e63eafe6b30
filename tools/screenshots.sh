#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png: runs `vitcop-inspector --screenshot` offscreen for the
# main states. Each run uses fresh settings (the default layout, first-start gallery) so the
# pictures do not depend on whoever ran the app last.
#
#   tools/screenshots.sh [BUILD_DIR]        (default build/app; needs vitcop-inspector, vitcop
#                                            and the tests' tiny-chat-model in that tree)
#
# Until the embedded model (resources/model) exists, the answered states use the tiny chat
# model the tests assemble (4×4 patches, 3 LLM layers; its answers are noise) and, for a
# LLaVA-1.5-sized 24×24 grid, --random-init llava-1.5-7b cut to 2 LLM layers.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/app}
BIN=$BUILD/bin/vitcop-inspector
CLI=$BUILD/bin/vitcop
TINY=$BUILD/tests/session/tiny-chat-model
OUT=docs/screenshots
SCENE=resources/samples/scene_2147483676.png
QUESTION="what shape is the yellow object?"
mkdir -p "$OUT"
export QT_QPA_PLATFORM=offscreen
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

shot() {  # shot NAME ARGS...: one state, fresh settings each time
  local name=$1
  shift
  echo "== $name"
  XDG_CONFIG_HOME=$(mktemp -d -p "$WORK") "$BIN" "$@" --screenshot "$OUT/$name.png" \
    --quit-after-answer
}

# No model yet: what a first start shows before resources/model exists.
if [[ ! -e resources/model/config.json && -z ${VITCOP_MODEL_DIR:-} ]]; then
  shot no-model --image "$SCENE"
fi
shot answered-kept --model "$TINY" --device cpu --image "$SCENE" --question "$QUESTION" \
  --method vitcop --budget 33% --max-new-tokens 8 --point llm:1 --overlay kept
shot answered-heatmap --model "$TINY" --device cpu --image "$SCENE" --question "$QUESTION" \
  --method vitcop --budget 33% --max-new-tokens 8 --point vision --overlay heatmap
shot compare-vitcop-fastv --model "$TINY" --device cpu --image "$SCENE" --question "$QUESTION" \
  --method vitcop --budget 33% --compare-method fastv --compare-budget 33% --max-new-tokens 8 \
  --point llm:1 --overlay kept
# A synthetic clip from the scene generator, 4 frames sampled.
"$CLI" scenes --out "$WORK" --seed 2147483700 --video --pixel-noise 0 > /dev/null
CLIP=$(ls "$WORK"/clip_*.avi | head -1)
shot video-frames --model "$TINY" --device cpu --video "$CLIP" --frames 4 --question "$QUESTION" \
  --method vitcop --budget 33% --max-new-tokens 8 --point vision --overlay kept
# LLaVA-1.5-7B geometry (576 patches per image), random weights, 2 LLM layers.
if [[ ${SKIP_7B:-0} != 1 ]]; then
  shot random-7b-clusters --random-init llava-1.5-7b --llm-layers 2 --device cpu \
    --image "$SCENE" --question "$QUESTION" --method vitcop --budget 64 --max-new-tokens 4 \
    --point vision --overlay clusters
fi
echo "written to $OUT/"
