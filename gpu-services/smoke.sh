#!/usr/bin/env bash
# Smoke test for running GPU services (on a GPU machine with weights):
#   LGM_URL=http://127.0.0.1:8002 SAM2_URL=http://127.0.0.1:8001 bash gpu-services/smoke.sh
# Each section runs when its URL is set; the script fails on the first broken service.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
IMAGE=$(realpath "${IMAGE:-$here/../flows/assets/astronaut.png}")
PYTHON=${PYTHON:-python3}
cd "$here"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- LGM ---------------------------------------------------------------------------------------
if [ -n "${LGM_URL:-}" ]; then
  echo "LGM: $LGM_URL/health"
  curl -fsS "$LGM_URL/health" | tee "$work/lgm-health.json"; echo
  "$PYTHON" -c 'import json,sys; h=json.load(open(sys.argv[1])); sys.exit(0 if h.get("ready") else "LGM service is not ready: %s" % h.get("error", "still loading"))' "$work/lgm-health.json"
  "$PYTHON" -c 'import base64,json,sys; print(json.dumps({"image": base64.b64encode(open(sys.argv[1],"rb").read()).decode()}))' "$IMAGE" > "$work/lgm-request.json"
  echo "LGM: POST /reconstruct $(basename "$IMAGE") (background removal, multi-view diffusion, LGM)"
  start=$(date +%s.%N)
  curl -fsS -D "$work/lgm-headers.txt" -H 'content-type: application/json' --data-binary "@$work/lgm-request.json" \
    "$LGM_URL/reconstruct" -o "$work/model.ply"
  end=$(date +%s.%N)
  count=$(tr -d '\r' < "$work/lgm-headers.txt" | awk -F': ' 'tolower($1)=="x-gaussian-count" {print $2}')
  "$PYTHON" - "$work/model.ply" "$count" <<'PY'
import sys
from lgm.ply import read_ply
gaussians = read_ply(open(sys.argv[1], "rb").read())
if str(len(gaussians)) != sys.argv[2]:
    sys.exit(f"X-Gaussian-Count {sys.argv[2]} but the PLY holds {len(gaussians)} Gaussians")
extent = gaussians[:, :3].max(axis=0) - gaussians[:, :3].min(axis=0)
print(f"LGM: ok, {len(gaussians)} Gaussians, extent {extent.round(3).tolist()}")
PY
  echo "LGM: reconstruct took $(awk "BEGIN {printf \"%.1f\", $end - $start}") s"
fi
