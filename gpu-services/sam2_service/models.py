"""The model interface the service talks to, and the real SAM2 behind it.

A model has `name`, `device`, `load()`, `embed(rgb) -> embedding` (the expensive image encoder) and
`predict(embedding, point_coords, point_labels, box, multimask) -> (logits CxHxW, scores C)` in the
embedded image's pixel frame (the decoder, ~12 ms on a GPU), and `automatic(rgb) -> [{segmentation,
stability_score, predicted_iou}]` (SAM2's automatic mask generator, for prompt-less requests). The
service caches embeddings by hash.
"""
import os


class Sam2Model:
    """Meta's SAM2 through its published predictor API (`SAM2ImagePredictor`), imported lazily."""

    def __init__(self, model_id=None, device=None):
        self.name = model_id or os.environ.get("SAM2_MODEL", "facebook/sam2.1-hiera-large")
        self.device = device or os.environ.get("SAM2_DEVICE") or "cuda"
        self._predictor = None
        self._torch = None

    def load(self):
        import torch  # noqa: WPS433 - the GPU stack is only needed for the real model
        from sam2.sam2_image_predictor import SAM2ImagePredictor

        if self.device == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("CUDA is not available; start with --device cpu to run SAM2 on the CPU")
        self._torch = torch
        self._predictor = SAM2ImagePredictor.from_pretrained(self.name, device=self.device)
        self._generator = None

    def _autocast(self):
        torch = self._torch
        if self.device.startswith("cuda"):
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return torch.autocast("cpu", enabled=False)

    def embed(self, rgb):
        with self._torch.inference_mode(), self._autocast():
            self._predictor.set_image(rgb)
        # set_image stores the encoder output on the predictor; keep it so a later prompt on the same
        # image restores it instead of re-encoding (the predictor has no public API for this).
        return {"features": self._predictor._features, "orig_hw": self._predictor._orig_hw}

    def predict(self, embedding, point_coords, point_labels, box, multimask):
        predictor = self._predictor
        predictor._features = embedding["features"]
        predictor._orig_hw = embedding["orig_hw"]
        predictor._is_image_set = True
        predictor._is_batch = False
        with self._torch.inference_mode(), self._autocast():
            logits, scores, _ = predictor.predict(
                point_coords=point_coords,
                point_labels=point_labels,
                box=box,
                multimask_output=multimask,
                return_logits=True,
            )
        return logits, scores

    def automatic(self, rgb):
        """SAM2's automatic masks (a 32×32 point grid, one crop layer); built on first use, sharing the model."""
        if self._generator is None:
            from sam2.automatic_mask_generator import SAM2AutomaticMaskGenerator

            self._generator = SAM2AutomaticMaskGenerator(self._predictor.model, points_per_side=32, pred_iou_thresh=0.7, stability_score_thresh=0.85)
        with self._torch.inference_mode(), self._autocast():
            return self._generator.generate(rgb)
