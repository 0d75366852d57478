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
from lgm_service.ply import read_ply
gaussians = read_ply(open(sys.argv[1], "rb").read())
if str(len(gaussians)) != sys.argv[2]:
    sys.exit(f"X-Gaussian-Count {sys.argv[2]} but the PLY holds {len(gaussians)} Gaussians")
extent = gaussians[:, :3].max(axis=0) - gaussians[:, :3].min(axis=0)
print(f"LGM: ok, {len(gaussians)} Gaussians, extent {extent.round(3).tolist()}")
PY
  echo "LGM: reconstruct took $(awk "BEGIN {printf \"%.1f\", $end - $start}") s"
fi

# --- SAM2 --------------------------------------------------------------------------------------
if [ -n "${SAM2_URL:-}" ]; then
  echo "SAM2: $SAM2_URL/health"
  curl -fsS "$SAM2_URL/health" | tee "$work/sam2-health.json"; echo
  "$PYTHON" -c 'import json,sys; h=json.load(open(sys.argv[1])); sys.exit(0 if h.get("ready") else "SAM2 service is not ready: %s" % h.get("error", "still loading"))' "$work/sam2-health.json"
  echo "SAM2: POST /segment $(basename "$IMAGE") with a centre click, then the same image by hash only"
  "$PYTHON" - "$SAM2_URL" "$IMAGE" <<'PY'
import base64, hashlib, io, json, sys, time, urllib.request
from PIL import Image

url, path = sys.argv[1].rstrip("/"), sys.argv[2]
png = open(path, "rb").read()
with Image.open(io.BytesIO(png)) as img:
    width, height = img.size
sha = hashlib.sha256(png).hexdigest()
prompt = {"points": [[width // 2, height // 2]], "labels": [1], "multimask": True}

def segment(body):
    req = urllib.request.Request(url + "/segment", data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=300) as res:
        answer = json.loads(res.read())
    return answer, time.perf_counter() - start

first, first_s = segment({"image": base64.b64encode(png).decode(), "image_sha256": sha, **prompt})
if first["image_sha256"] != sha or len(first["masks"]) != 3 or len(first["scores"]) != 3:
    sys.exit(f"SAM2: unexpected answer {json.dumps(first)[:300]}")
for encoded in first["masks"]:
    with Image.open(io.BytesIO(base64.b64decode(encoded))) as mask:
        if mask.size != (width, height) or mask.mode != "L":
            sys.exit(f"SAM2: mask is {mask.mode} {mask.size}, expected L {(width, height)}")
best = max(range(3), key=lambda i: first["scores"][i])
with Image.open(io.BytesIO(base64.b64decode(first["masks"][best]))) as mask:
    if mask.getpixel((width // 2, height // 2)) != 255:
        sys.exit("SAM2: the best mask does not contain the clicked point")
second, second_s = segment({"image_sha256": sha, **prompt})
if not second.get("embedding_reused"):
    sys.exit("SAM2: the second request by hash did not reuse the embedding")
salient, salient_s = segment({"image_sha256": sha, "multimask": False})
if "salient" not in salient or len(salient["masks"]) != 1:
    sys.exit(f"SAM2: a prompt-less request did not answer the salient object: {json.dumps(salient)[:300]}")
print(f"SAM2: ok, scores {[round(s, 3) for s in first['scores']]}, bbox {first['bbox']}")
print(f"SAM2: most salient object {salient['bbox']} ({salient['salient']}) in {salient_s:.2f} s")
print(f"SAM2: first request (encoder + decoder) {first_s:.2f} s, by hash (decoder only) {second_s:.3f} s")
PY
fi
