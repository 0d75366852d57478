"""What Atelier's GPU services share: background model loading, /health, request errors, and the
JSON HTTP handler (see gpu-services/README.md, "Contract")."""
from atelier_gpu_base.errors import RequestError
from atelier_gpu_base.host import ModelHost
from atelier_gpu_base.http import Reply, base_arguments, make_handler, make_server, serve

__all__ = ["ModelHost", "Reply", "RequestError", "base_arguments", "make_handler", "make_server", "serve"]
