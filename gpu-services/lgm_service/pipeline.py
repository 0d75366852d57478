"""The reconstruction model behind the HTTP layer.

A pipeline has `name`, `device`, `load()` (slow: weights) and `reconstruct(rgba) -> [N, 14]` Gaussians
in LGM's activated order [x y z | opacity | scale xyz | rot wxyz | rgb]. `LGMPipeline` is the real
one and follows LGM's published `infer.py` (3DTopia/LGM): background removal with rembg (skipped when
the request's alpha already marks the object), recentre with border ratio 0.2, ImageDream multi-view
diffusion (the MVDream pipeline shipped in LGM's repo), the LGM `big` model, and the Gaussians that
`save_ply` would write. Its heavy imports (torch, kiui, LGM's `core`) happen only in `load()`; nothing
built for training is built here: LGM's LPIPS loss network is switched off (`lambda_lpips = 0`), and
the rembg session is made on the first opaque image (Atelier always sends the object's alpha).
"""
import copy
import os
import sys

import numpy as np

from lgm_service.image_input import has_object_alpha

CHECKPOINT_REPO = "ashawkey/LGM"
IMAGENET_DEFAULT_MEAN = (0.485, 0.456, 0.406)
IMAGENET_DEFAULT_STD = (0.229, 0.224, 0.225)


class LGMPipeline:
    name = "lgm-big+imagedream"

    def __init__(self, repo, checkpoint=None, device="cuda", seed=0, steps=30, guidance_scale=5.0, download=False):
        self.repo = os.path.abspath(repo)
        self.checkpoint = checkpoint or os.path.join(self.repo, "pretrained", "model_fp16_fixrot.safetensors")
        self.device = device
        self.seed = seed
        self.steps = steps
        self.guidance_scale = guidance_scale
        self.download = download

    def load(self):
        if not os.path.isdir(os.path.join(self.repo, "core")):
            raise RuntimeError(f"{self.repo} is not a clone of https://github.com/3DTopia/LGM (no core/ folder)")
        if not os.path.isfile(self.checkpoint) and self.download:
            from huggingface_hub import hf_hub_download  # /health says "not ready" meanwhile

            hf_hub_download(CHECKPOINT_REPO, os.path.basename(self.checkpoint), local_dir=os.path.dirname(self.checkpoint))
        if not os.path.isfile(self.checkpoint):
            raise RuntimeError(f"LGM checkpoint not found: {self.checkpoint} (start with --download-weights to fetch it from {CHECKPOINT_REPO})")
        sys.path.insert(0, self.repo)
        import torch
        from core.models import LGM
        from core.options import config_defaults
        from mvdream.pipeline_mvdream import MVDreamPipeline
        from safetensors.torch import load_file

        self._torch = torch
        self.opt = copy.copy(config_defaults["big"])
        self.opt.lambda_lpips = 0  # LPIPS (a VGG network) is a training loss: never built for inference
        model = LGM(self.opt)
        model.load_state_dict(load_file(self.checkpoint, device="cpu"), strict=False)
        self.model = model.half().to(self.device).eval()
        self.rays_embeddings = self.model.prepare_default_rays(self.device)
        self.mv_pipe = MVDreamPipeline.from_pretrained(
            "ashawkey/imagedream-ipmv-diffusers", torch_dtype=torch.float16, trust_remote_code=True
        ).to(self.device)
        self._bg_remover = None

    def _remove_background(self, rgb):
        import rembg

        if self._bg_remover is None:
            self._bg_remover = rembg.new_session()
        return rembg.remove(rgb, session=self._bg_remover)

    def reconstruct(self, rgba):
        torch = self._torch
        import torch.nn.functional as F
        import torchvision.transforms.functional as TF
        from kiui.op import recenter

        if has_object_alpha(rgba):
            carved = rgba
        else:
            carved = self._remove_background(rgba[..., :3])
        mask = carved[..., -1] > 0
        image = recenter(carved, mask, border_ratio=0.2).astype(np.float32) / 255.0
        image = image[..., :3] * image[..., 3:4] + (1 - image[..., 3:4])

        torch.manual_seed(self.seed)  # the same image gives the same model, so Atelier may cache it
        mv_image = self.mv_pipe("", image, guidance_scale=self.guidance_scale, num_inference_steps=self.steps, elevation=0)
        mv_image = np.stack([mv_image[1], mv_image[2], mv_image[3], mv_image[0]], axis=0)

        views = torch.from_numpy(mv_image).permute(0, 3, 1, 2).float().to(self.device)
        views = F.interpolate(views, size=(self.opt.input_size, self.opt.input_size), mode="bilinear", align_corners=False)
        views = TF.normalize(views, IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD)
        views = torch.cat([views, self.rays_embeddings], dim=1).unsqueeze(0)
        with torch.no_grad():
            with torch.autocast(device_type="cuda", dtype=torch.float16):
                gaussians = self.model.forward_gaussians(views)
        return gaussians[0].float().cpu().numpy()
