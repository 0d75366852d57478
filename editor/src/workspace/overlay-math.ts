// Overlay geometry. The overlay scene is in source-image pixels: world x = image x, world y = −image y,
// the image spans [0, W] × [−H, 0] at z = 0 and an orthographic front camera shows exactly that rectangle.
// Per placement.ts a model point (X, Y, Z) lands on pixel (center.x + X·ppu, center.y − Y·ppu), so the
// aligned object sits at (center.x, −center.y, 0) with uniform scale ppu and no rotation.
import { Box2, Matrix4, Vector2, Vector3, type Camera, type Euler, type Object3D } from 'three';
import type { Placement } from '../../../model/placement';

export interface ScreenBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Alignment {
  position: [number, number, number];
  scale: number;
}

export function alignmentFor(placement: Placement): Alignment {
  return { position: [placement.center.x, -placement.center.y, 0], scale: placement.pixelsPerUnit };
}

/** Puts the object exactly over the 2D object: position, rotation and scale. */
export function resetAlignment(object: Object3D, placement: Placement): void {
  const a = alignmentFor(placement);
  object.position.set(...a.position);
  object.rotation.set(0, 0, 0);
  object.scale.setScalar(a.scale);
  object.updateMatrixWorld(true);
}

export function isAligned(object: Object3D, placement: Placement, tolerance = 1e-6): boolean {
  const a = alignmentFor(placement);
  const rot: Euler = object.rotation;
  return (
    object.position.distanceTo(new Vector3(...a.position)) < tolerance * a.scale &&
    Math.abs(rot.x) + Math.abs(rot.y) + Math.abs(rot.z) < tolerance &&
    Math.abs(object.scale.x - a.scale) + Math.abs(object.scale.y - a.scale) + Math.abs(object.scale.z - a.scale) < tolerance * a.scale
  );
}

/**
 * Screen bbox (CSS px, relative to the canvas's top-left) of model-space points after the object's
 * transform and the camera's projection. `positions` is xyz interleaved; `stride` skips points for speed.
 */
export function projectedBox(positions: Float32Array, objectMatrix: Matrix4, camera: Camera, canvasWidth: number, canvasHeight: number, stride = 1): ScreenBox | null {
  const m = new Matrix4().multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse).multiply(objectMatrix);
  const v = new Vector3();
  const box = new Box2();
  for (let i = 0; i < positions.length; i += 3 * stride) {
    v.set(positions[i], positions[i + 1], positions[i + 2]).applyMatrix4(m);
    if (v.z < -1 || v.z > 1) continue;
    box.expandByPoint(new Vector2(((v.x + 1) / 2) * canvasWidth, ((1 - v.y) / 2) * canvasHeight));
  }
  if (box.isEmpty()) return null;
  return { x: box.min.x, y: box.min.y, width: box.max.x - box.min.x, height: box.max.y - box.min.y };
}

/** The 2D object's bbox on screen when the W×H image is drawn `scale` CSS px per image px. */
export function imageBoxOnScreen(placement: Placement, scale: number): ScreenBox {
  const b = placement.bbox;
  return { x: b.x * scale, y: b.y * scale, width: b.width * scale, height: b.height * scale };
}

export { fitImage } from './fit-image';
