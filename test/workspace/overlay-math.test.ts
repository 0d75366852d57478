import { Object3D, OrthographicCamera } from 'three';
import { describe, expect, it } from 'vitest';
import { inflate } from '../../nodes/threed/inflate';
import { maskBoundingBox, placementFor } from '../../model/placement';
import { readPly, writePly } from '../../model/ply';
import { fitImage, imageBoxOnScreen, isAligned, projectedBox, resetAlignment } from '../../editor/src/workspace/overlay-math';

/** An ellipse-ish object off-centre in a 300×200 image: the mask, and a model of it from the local backend. */
function sample() {
  const width = 300;
  const height = 200;
  const mask = new Uint8Array(width * height);
  const rgba = new Uint8Array(width * height * 4).fill(200);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) if (((x - 190) / 70) ** 2 + ((y - 90) / 50) ** 2 <= 1) mask[y * width + x] = 255;
  const bbox = maskBoundingBox(mask, width, height)!;
  const model = readPly(writePly(inflate({ rgba, mask, width, height, bbox })));
  return { placement: placementFor(width, height, bbox), positions: model.positions };
}

function overlayCamera(width: number, height: number): OrthographicCamera {
  const camera = new OrthographicCamera(0, width, 0, -height, 0.1, 10_000);
  camera.position.set(0, 0, 5000);
  camera.updateMatrixWorld(true);
  camera.updateProjectionMatrix();
  return camera;
}

describe('overlay alignment', () => {
  it("projects the aligned model's silhouette onto the 2D object's bbox, at any display scale", () => {
    const { placement, positions } = sample();
    const object = new Object3D();
    resetAlignment(object, placement);
    const camera = overlayCamera(placement.imageWidth, placement.imageHeight);
    for (const [w, h] of [[300, 200], [900, 900], [450, 150]]) {
      const fit = fitImage(placement.imageWidth, placement.imageHeight, w, h);
      const projected = projectedBox(positions, object.matrixWorld, camera, fit.width, fit.height)!;
      const expected = imageBoxOnScreen(placement, fit.width / placement.imageWidth);
      // Gaussian centres sit within a pixel of the mask's edge pixels
      for (const key of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(projected[key] - expected[key])).toBeLessThan(1.5 * fit.scale + 0.5);
    }
  });

  it('reset undoes any move, rotation and scale', () => {
    const { placement, positions } = sample();
    const object = new Object3D();
    resetAlignment(object, placement);
    const camera = overlayCamera(placement.imageWidth, placement.imageHeight);
    const before = projectedBox(positions, object.matrixWorld, camera, 300, 200)!;
    object.position.x += 60;
    object.rotation.set(0.3, 0.5, 0.1);
    object.scale.multiplyScalar(1.7);
    object.updateMatrixWorld(true);
    expect(isAligned(object, placement)).toBe(false);
    expect(projectedBox(positions, object.matrixWorld, camera, 300, 200)!.x).not.toBeCloseTo(before.x, 0);
    resetAlignment(object, placement);
    expect(isAligned(object, placement)).toBe(true);
    expect(projectedBox(positions, object.matrixWorld, camera, 300, 200)).toEqual(before);
  });
});
