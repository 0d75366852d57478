"""Holds one model: loads it in the background, reports /health, serialises calls (one GPU)."""
import threading
import traceback

from atelier_gpu_base.errors import RequestError

# Bumped when a service's wire contract changes; /health reports it and Atelier keys its cache on it.
CONTRACT_VERSION = "2"


class ModelHost:
    """`model` has `name`, `device` and `load()`; everything else is the service's business."""

    def __init__(self, service, model, not_ready_retry_after=10):
        self.service = service
        self.model = model
        self.ready = False
        self.load_error = None
        self.lock = threading.Lock()
        self.not_ready_retry_after = not_ready_retry_after

    def load(self):
        try:
            self.model.load()
            self.ready = True
        except Exception as error:  # reported by /health; the service stays up to say why
            self.load_error = f"{type(error).__name__}: {error}"
            traceback.print_exc()

    def load_in_background(self):
        threading.Thread(target=self.load, daemon=True).start()

    def health(self):
        body = {
            "service": self.service,
            "model": self.model.name,
            "device": self.model.device,
            "ready": self.ready,
            "version": CONTRACT_VERSION,
        }
        if self.load_error:
            body["error"] = self.load_error
        return body

    def require_ready(self):
        """503 while loading (clients wait, honouring Retry-After); 503 load_failed once loading failed."""
        if self.ready:
            return
        if self.load_error:
            raise RequestError(f"loading {self.model.name} failed: {self.load_error}", status=503, code="load_failed")
        raise RequestError(f"{self.model.name} is still loading", status=503, code="not_ready", retry_after=self.not_ready_retry_after)
