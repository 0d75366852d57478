// The 3D view behind the viewer dialog: Gaussian splats through @sparkjsdev/spark on WebGL2, or —
// named as such on screen — a 2D-canvas point cloud of the Gaussian centres when WebGL2 is missing.
// "orbit" looks at the model with a perspective camera (orbit/pan/zoom); "overlay" lays it over its
// source image with an orthographic front camera, placed from lgm.3d's `placement` (overlay-math.ts).
import {
  Color,
  Group,
  Mesh,
  MeshBasicMaterial,
  OrthographicCamera,
  PerspectiveCamera,
  PlaneGeometry,
  SRGBColorSpace,
  Scene,
  TextureLoader,
  Vector3,
  WebGLRenderer,
  type Camera,
  type Matrix4,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { TransformControls } from 'three/examples/jsm/controls/TransformControls.js';
import type { Gaussians } from '../../../model/ply';
import type { Placement } from '../../../model/placement';
import { fitImage, imageBoxOnScreen, isAligned, projectedBox, resetAlignment, type ScreenBox } from './overlay-math';

export type ViewMode = 'orbit' | 'overlay';
export type GizmoMode = 'translate' | 'rotate' | 'scale';
export type RenderPath = 'splat' | 'points';

export interface ModelViewOptions {
  container: HTMLElement;
  ply: Uint8Array;
  gaussians: Gaussians;
  image?: { url: string; width: number; height: number };
  placement?: Placement;
  /** Use the point-cloud path even where WebGL2 exists (`?viewer=points`). */
  forcePoints?: boolean;
  onChange?: () => void;
}

const BACKGROUND = 0x14171d;
/** Projected-bbox sampling: at most this many centres per measurement. */
const BOX_SAMPLES = 40_000;

export function hasWebGL2(): boolean {
  try {
    return !!document.createElement('canvas').getContext('webgl2');
  } catch {
    return false;
  }
}

export class ModelView {
  readonly path: RenderPath;
  readonly canvas: HTMLCanvasElement;
  mode: ViewMode = 'orbit';
  gizmo: GizmoMode = 'translate';
  /** Resolves when the splats are decoded and drawn once (immediately for points). */
  readonly ready: Promise<void>;

  private readonly scene = new Scene();
  private readonly object = new Group();
  private readonly perspective = new PerspectiveCamera(49.1, 1, 0.01, 100);
  private readonly ortho = new OrthographicCamera(0, 1, 0, -1, 0.1, 10);
  private readonly renderer?: WebGLRenderer;
  private readonly orbit: OrbitControls;
  private readonly transform?: TransformControls;
  private readonly ctx2d?: CanvasRenderingContext2D;
  private imagePlane?: Mesh;
  private imageElement?: HTMLImageElement;
  private overlayPose?: Matrix4;
  private framesToDraw = 0;
  private raf = 0;
  private drag: { x: number; y: number; pointerId: number } | null = null;
  private disposed = false;
  private readonly resizeObserver: ResizeObserver;

  constructor(private readonly options: ModelViewOptions) {
    this.path = options.forcePoints || !hasWebGL2() ? 'points' : 'splat';
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'ws-3d-canvas';
    this.canvas.dataset.renderPath = this.path;
    options.container.appendChild(this.canvas);
    this.scene.background = new Color(BACKGROUND);
    this.scene.add(this.object);
    this.perspective.position.set(0, 0, 2.0);

    if (this.path === 'splat') {
      this.renderer = new WebGLRenderer({ canvas: this.canvas, antialias: false, preserveDrawingBuffer: true });
      this.renderer.setPixelRatio(Math.min(1.5, window.devicePixelRatio || 1));
      this.ready = this.loadSplats();
      this.transform = new TransformControls(this.ortho, this.canvas);
      this.transform.addEventListener('change', () => this.invalidate());
      this.transform.addEventListener('objectChange', () => options.onChange?.());
      this.scene.add(this.transform.getHelper());
    } else {
      this.ctx2d = this.canvas.getContext('2d')!;
      this.ready = Promise.resolve();
    }
    this.orbit = new OrbitControls(this.perspective, this.canvas);
    this.orbit.addEventListener('change', () => this.invalidate());

    if (options.image) this.loadImage(options.image);
    this.canvas.addEventListener('pointerdown', this.onPointerDown);
    this.canvas.addEventListener('pointermove', this.onPointerMove);
    this.canvas.addEventListener('pointerup', this.onPointerUp);
    this.resizeObserver = new ResizeObserver(() => this.layout());
    this.resizeObserver.observe(options.container);
    this.layout();
    this.loop();
  }

  private async loadSplats(): Promise<void> {
    const { SplatMesh, SparkRenderer, SplatFileType } = await import('@sparkjsdev/spark');
    if (this.disposed) return;
    this.scene.add(new SparkRenderer({ renderer: this.renderer! }));
    const splats = new SplatMesh({ fileBytes: this.options.ply.slice().buffer, fileType: SplatFileType.PLY });
    this.object.add(splats);
    await splats.initialized;
    // spark sorts splats in a worker: draw a few more frames so the sorted order shows
    this.invalidate(20);
  }

  private loadImage(image: NonNullable<ModelViewOptions['image']>): void {
    if (this.path === 'splat') {
      new TextureLoader().load(image.url, (texture) => {
        texture.colorSpace = SRGBColorSpace;
        const plane = new Mesh(new PlaneGeometry(image.width, image.height), new MeshBasicMaterial({ map: texture, depthWrite: false }));
        plane.position.set(image.width / 2, -image.height / 2, -2 * Math.max(image.width, image.height));
        plane.renderOrder = -1;
        plane.visible = this.mode === 'overlay';
        this.imagePlane = plane;
        this.scene.add(plane);
        this.invalidate();
      });
    } else {
      const img = new Image();
      img.onload = () => this.invalidate();
      img.src = image.url;
      this.imageElement = img;
    }
  }

  get canOverlay(): boolean {
    return !!this.options.placement && !!this.options.image;
  }

  setMode(mode: ViewMode): void {
    if (mode === 'overlay' && !this.canOverlay) throw new Error('overlay needs the source image and a placement output');
    if (mode === this.mode) return;
    if (this.mode === 'overlay') this.overlayPose = this.object.matrix.clone();
    this.mode = mode;
    if (mode === 'overlay') {
      if (this.overlayPose) this.overlayPose.decompose(this.object.position, this.object.quaternion, this.object.scale);
      else resetAlignment(this.object, this.options.placement!);
      this.object.updateMatrixWorld(true);
      this.transform?.attach(this.object);
      this.transform?.setMode(this.gizmo);
    } else {
      this.transform?.detach();
      this.object.position.set(0, 0, 0);
      this.object.rotation.set(0, 0, 0);
      this.object.scale.setScalar(1);
      this.object.updateMatrixWorld(true);
    }
    if (this.imagePlane) this.imagePlane.visible = mode === 'overlay';
    this.orbit.enabled = mode === 'orbit';
    this.layout();
    this.options.onChange?.();
  }

  setGizmo(mode: GizmoMode): void {
    this.gizmo = mode;
    this.transform?.setMode(mode);
    this.invalidate();
  }

  resetAlignment(): void {
    if (!this.options.placement) return;
    resetAlignment(this.object, this.options.placement);
    this.invalidate();
    this.options.onChange?.();
  }

  isAligned(): boolean {
    return !!this.options.placement && isAligned(this.object, this.options.placement);
  }

  private get camera(): Camera {
    return this.mode === 'overlay' ? this.ortho : this.perspective;
  }

  /** Canvas CSS size and, in overlay, CSS px per image px. */
  private layout(): void {
    const { container, image } = this.options;
    const width = Math.max(1, container.clientWidth);
    const height = Math.max(1, container.clientHeight);
    let w = width;
    let h = height;
    if (this.mode === 'overlay' && image) {
      const fit = fitImage(image.width, image.height, width, height);
      w = fit.width;
      h = fit.height;
      this.ortho.left = 0;
      this.ortho.right = image.width;
      this.ortho.top = 0;
      this.ortho.bottom = -image.height;
      const depth = 4 * Math.max(image.width, image.height);
      this.ortho.position.set(0, 0, depth);
      this.ortho.near = 0.1;
      this.ortho.far = 2 * depth;
      this.ortho.updateProjectionMatrix();
      this.ortho.updateMatrixWorld(true);
    } else {
      this.perspective.aspect = w / h;
      this.perspective.updateProjectionMatrix();
    }
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    if (this.renderer) this.renderer.setSize(w, h, false);
    else {
      this.canvas.width = Math.round(w * (window.devicePixelRatio || 1));
      this.canvas.height = Math.round(h * (window.devicePixelRatio || 1));
    }
    this.invalidate();
  }

  invalidate(frames = 4): void {
    this.framesToDraw = Math.max(this.framesToDraw, frames);
  }

  private loop = (): void => {
    if (this.disposed) return;
    if (this.framesToDraw > 0) {
      this.framesToDraw--;
      this.draw();
    }
    this.raf = requestAnimationFrame(this.loop);
  };

  private draw(): void {
    this.object.updateMatrixWorld(true);
    this.camera.updateMatrixWorld(true);
    if (this.renderer) this.renderer.render(this.scene, this.camera);
    else this.drawPoints();
  }

  /** The fallback: Gaussian centres as dots, far to near, in the same cameras. */
  private drawPoints(): void {
    const ctx = this.ctx2d!;
    const { width, height } = this.canvas;
    ctx.fillStyle = `#${BACKGROUND.toString(16).padStart(6, '0')}`;
    ctx.fillRect(0, 0, width, height);
    if (this.mode === 'overlay' && this.imageElement?.complete) ctx.drawImage(this.imageElement, 0, 0, width, height);
    const g = this.options.gaussians;
    const m = this.camera.projectionMatrix.clone().multiply(this.camera.matrixWorldInverse).multiply(this.object.matrixWorld);
    const v = new Vector3();
    const stride = Math.max(1, Math.ceil(g.count / 60_000));
    const order: Array<[number, number, number, number]> = [];
    for (let i = 0; i < g.count; i += stride) {
      v.set(g.positions[3 * i], g.positions[3 * i + 1], g.positions[3 * i + 2]).applyMatrix4(m);
      if (v.z < -1 || v.z > 1 || g.opacities[i] < 0.05) continue;
      order.push([v.z, ((v.x + 1) / 2) * width, ((1 - v.y) / 2) * height, i]);
    }
    order.sort((a, b) => b[0] - a[0]);
    const size = Math.max(1.5, (window.devicePixelRatio || 1) * 1.5);
    for (const [, x, y, i] of order) {
      const c = g.colors;
      ctx.fillStyle = `rgb(${(c[3 * i] * 255) | 0},${(c[3 * i + 1] * 255) | 0},${(c[3 * i + 2] * 255) | 0})`;
      ctx.fillRect(x - size / 2, y - size / 2, size, size);
    }
  }

  /** The model's projected bbox (Gaussian centres) in viewport CSS px. */
  objectScreenBox(): ScreenBox | null {
    const rect = this.canvas.getBoundingClientRect();
    this.object.updateMatrixWorld(true);
    this.camera.updateMatrixWorld(true);
    const g = this.options.gaussians;
    const box = projectedBox(g.positions, this.object.matrixWorld, this.camera, rect.width, rect.height, Math.max(1, Math.ceil(g.count / BOX_SAMPLES)));
    return box && { ...box, x: box.x + rect.left, y: box.y + rect.top };
  }

  /** The 2D object's bbox (placement.bbox) on screen in viewport CSS px (overlay mode). */
  imageObjectScreenBox(): ScreenBox | null {
    const { placement, image } = this.options;
    if (!placement || !image || this.mode !== 'overlay') return null;
    const rect = this.canvas.getBoundingClientRect();
    const box = imageBoxOnScreen(placement, rect.width / image.width);
    return { ...box, x: box.x + rect.left, y: box.y + rect.top };
  }

  /** The composed view (image + model in overlay) as PNG. */
  async screenshot(): Promise<Blob> {
    if (this.transform) this.transform.getHelper().visible = false;
    this.draw();
    const blob = await new Promise<Blob | null>((resolve) => this.canvas.toBlob(resolve, 'image/png'));
    if (this.transform) this.transform.getHelper().visible = true;
    this.invalidate();
    if (!blob) throw new Error('the canvas could not be encoded as PNG');
    return blob;
  }

  // Overlay: dragging the object (not the gizmo) moves it in the image plane.
  private onPointerDown = (e: PointerEvent): void => {
    if (this.mode !== 'overlay' || e.button !== 0 || this.transform?.axis) return;
    const box = this.objectScreenBox();
    if (!box || e.clientX < box.x || e.clientX > box.x + box.width || e.clientY < box.y || e.clientY > box.y + box.height) return;
    this.drag = { x: e.clientX, y: e.clientY, pointerId: e.pointerId };
    this.canvas.setPointerCapture(e.pointerId);
  };

  private onPointerMove = (e: PointerEvent): void => {
    if (!this.drag || e.pointerId !== this.drag.pointerId || !this.options.image) return;
    const pxPerUnit = this.canvas.getBoundingClientRect().width / this.options.image.width;
    this.object.position.x += (e.clientX - this.drag.x) / pxPerUnit;
    this.object.position.y -= (e.clientY - this.drag.y) / pxPerUnit;
    this.drag.x = e.clientX;
    this.drag.y = e.clientY;
    this.invalidate();
    this.options.onChange?.();
  };

  private onPointerUp = (e: PointerEvent): void => {
    if (this.drag?.pointerId === e.pointerId) this.drag = null;
  };

  dispose(): void {
    this.disposed = true;
    cancelAnimationFrame(this.raf);
    this.resizeObserver.disconnect();
    this.orbit.dispose();
    this.transform?.dispose();
    this.renderer?.dispose();
    this.canvas.remove();
  }
}
