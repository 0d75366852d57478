"""Gaussian-splat PLY in LGM's layout (binary little-endian, 14 float32 properties per vertex).

Mirrors LGM's `GaussianRenderer.save_ply(compatible=True)` without plyfile: the Gaussians come in
LGM's activated order [x y z | opacity | scale xyz | rot wxyz | rgb] and are written as
x y z f_dc_0..2 opacity scale_0..2 rot_0..3 with opacity as logit, scale as log and colour as the
SH DC coefficient (rgb - 0.5) / C0. Gaussians with opacity below 0.005 are pruned, as LGM does.
"""
import numpy as np

SH_C0 = 0.28209479177387814
PROPERTIES = (
    "x", "y", "z",
    "f_dc_0", "f_dc_1", "f_dc_2",
    "opacity",
    "scale_0", "scale_1", "scale_2",
    "rot_0", "rot_1", "rot_2", "rot_3",
)
MIN_OPACITY = 0.005


def ply_bytes(gaussians):
    """gaussians: float array [N, 14] in LGM's activated order. Returns (bytes, count written)."""
    g = np.asarray(gaussians, dtype=np.float32)
    if g.ndim != 2 or g.shape[1] != 14:
        raise ValueError(f"gaussians must have shape [N, 14], got {list(g.shape)}")
    g = g[g[:, 3] >= MIN_OPACITY]
    xyz = g[:, 0:3]
    opacity = np.clip(g[:, 3:4], 1e-7, 1 - 1e-7)
    scales = g[:, 4:7]
    rotations = g[:, 7:11]
    rgb = g[:, 11:14]
    body = np.concatenate(
        [
            xyz,
            (rgb - 0.5) / SH_C0,
            np.log(opacity / (1 - opacity)),
            np.log(scales + 1e-8),
            rotations,
        ],
        axis=1,
    ).astype("<f4")
    header = (
        "ply\nformat binary_little_endian 1.0\n"
        f"element vertex {len(body)}\n"
        + "".join(f"property float {name}\n" for name in PROPERTIES)
        + "end_header\n"
    ).encode("ascii")
    return header + body.tobytes(), len(body)


def read_ply(data):
    """Reads a PLY written by ply_bytes back into LGM's activated [N, 14] order (for tests and checks)."""
    end = data.find(b"end_header\n")
    if not data.startswith(b"ply\n") or end < 0:
        raise ValueError("not a PLY file")
    header = data[:end].decode("ascii").splitlines()
    if "format binary_little_endian 1.0" not in header:
        raise ValueError("only binary_little_endian PLY is supported")
    count = next(int(line.split()[2]) for line in header if line.startswith("element vertex"))
    names = [line.split()[2] for line in header if line.startswith("property float")]
    if tuple(names) != PROPERTIES:
        raise ValueError(f"unexpected properties {names}")
    body = data[end + len(b"end_header\n"):]
    if len(body) != count * 4 * len(PROPERTIES):
        raise ValueError(f"body has {len(body)} bytes, expected {count * 56}")
    raw = np.frombuffer(body, dtype="<f4").reshape(count, len(PROPERTIES)).astype(np.float64)
    out = np.empty((count, 14))
    out[:, 0:3] = raw[:, 0:3]
    out[:, 3] = 1 / (1 + np.exp(-raw[:, 6]))
    out[:, 4:7] = np.exp(raw[:, 7:10])
    out[:, 7:11] = raw[:, 10:14]
    out[:, 11:14] = raw[:, 3:6] * SH_C0 + 0.5
    return out
