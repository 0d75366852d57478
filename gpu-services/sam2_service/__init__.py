"""The SAM2 segmentation service (gpu-services/README.md, "## SAM2").

Run from gpu-services/ as a module: `python -m sam2_service --port 8001`. The package is named
`sam2_service` so it never shadows Meta's `sam2` library, which the real model imports.
"""
