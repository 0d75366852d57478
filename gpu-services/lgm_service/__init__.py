"""The LGM image-to-3D service (gpu-services/README.md, "## LGM").

Run from gpu-services/ as a module: `python -m lgm_service --port 8002 --lgm-repo ~/LGM`.
"""
