"""The SAM2 service (see gpu-services/README.md, "## SAM2").

Run as a script, not as a package: this folder is named like Meta's `sam2` library, which the real
model imports, so the modules here import each other by their own (sam2_-prefixed) names:

    python gpu-services/sam2/sam2_service.py --port 8001

Under `python -m unittest discover -s gpu-services`, this file puts the folder on sys.path so the
tests can import those modules the same way.
"""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)
