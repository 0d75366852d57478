"""The LGM service: GET /health, POST /reconstruct (see gpu-services/README.md, "## LGM").

    python -m lgm_service --port 8002 --lgm-repo ~/LGM     # from gpu-services/
    python -m lgm_service --pipeline test-double --port 0  # test double; prints the URL
"""
from atelier_gpu_base import ModelHost, Reply, RequestError, base_arguments, make_handler, make_server, serve
from lgm_service.image_input import InputError, decode_rgba_png
from lgm_service.ply import ply_bytes

DEFAULT_PORT = 8002


class LgmService:
    """Holds the pipeline (loaded in the background) and serialises reconstructions (one GPU)."""

    def __init__(self, pipeline):
        self.pipeline = pipeline
        self.host = ModelHost("lgm", pipeline, not_ready_retry_after=10)

    def load(self):
        self.host.load()

    def health(self):
        return self.host.health()

    def routes(self):
        return {"/reconstruct": self.reconstruct}

    def reconstruct(self, body):
        try:
            rgba = decode_rgba_png(body.get("image"))
        except InputError as error:
            raise RequestError(str(error), field=error.field) from error
        self.host.require_ready()
        with self.host.lock:
            data, count = ply_bytes(self.pipeline.reconstruct(rgba))
        return Reply(200, data, "application/x-ply", {"X-Gaussian-Count": str(count), "X-Model": self.pipeline.name})


def make_lgm_server(service, host="127.0.0.1", port=0, quiet=False):
    return make_server(make_handler(service.host, service.routes(), failure_code="reconstruction_failed", quiet=quiet), host, port)


def build_pipeline(args):
    if args.pipeline == "test-double":
        from lgm_service.pipeline_double import TestDoublePipeline

        return TestDoublePipeline()
    if not args.lgm_repo:
        raise SystemExit("--lgm-repo (a clone of https://github.com/3DTopia/LGM) is required for the real pipeline")
    from lgm_service.pipeline import LGMPipeline

    return LGMPipeline(args.lgm_repo, checkpoint=args.checkpoint, device=args.device, download=args.download_weights)


def main(argv=None):
    parser = base_arguments("LGM image-to-3D service for Atelier", DEFAULT_PORT)
    parser.add_argument("--pipeline", choices=["lgm", "test-double"], default="lgm")
    parser.add_argument("--lgm-repo", default=None, help="path to a clone of 3DTopia/LGM (default $LGM_REPO)")
    parser.add_argument("--checkpoint", help="default: <lgm-repo>/pretrained/model_fp16_fixrot.safetensors")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--download-weights", action="store_true", help="fetch a missing checkpoint from Hugging Face (ashawkey/LGM) while /health says not ready")
    args = parser.parse_args(argv)
    if args.lgm_repo is None:
        import os

        args.lgm_repo = os.environ.get("LGM_REPO")

    service = LgmService(build_pipeline(args))
    serve(service.host, make_lgm_server(service, args.host, args.port, args.quiet), "LGM")


if __name__ == "__main__":
    main()
