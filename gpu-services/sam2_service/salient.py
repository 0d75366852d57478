"""Prompt-less segmentation: rank the model's automatic masks by how stable they are, how sure the
model is of them, and how close they sit to the image centre; the top one is "the most salient object"."""
import numpy as np

# Masks covering less than this share of the image are specks; more than MAX_AREA, the background.
MIN_AREA = 0.005
MAX_AREA = 0.9


def centrality(mask):
    """1 at the image centre, 0 at a corner: the mask centroid's distance from the centre, normalised."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return 0.0
    dx = (xs.mean() + 0.5) / w - 0.5
    dy = (ys.mean() + 0.5) / h - 0.5
    return float(max(0.0, 1.0 - np.hypot(dx, dy) / np.hypot(0.5, 0.5)))


def rank_salient(candidates, keep):
    """`candidates`: dicts with `segmentation` (bool HxW), `stability_score`, `predicted_iou`.

    Returns up to `keep` of them, best first, each with `rank_score` = stability × predicted IoU ×
    centrality, and how many candidates were considered; None when no mask qualifies."""
    ranked = []
    for candidate in candidates:
        mask = np.asarray(candidate["segmentation"], dtype=bool)
        area = mask.mean()
        if not MIN_AREA <= area <= MAX_AREA:
            continue
        stability = float(candidate["stability_score"])
        iou = float(candidate["predicted_iou"])
        centre = centrality(mask)
        ranked.append({
            "mask": mask,
            "rank_score": stability * iou * centre,
            "stability": round(stability, 4),
            "predicted_iou": round(iou, 4),
            "centrality": round(centre, 4),
            "area": round(float(area), 4),
        })
    ranked.sort(key=lambda r: r["rank_score"], reverse=True)
    return ranked[:keep], len(ranked)
