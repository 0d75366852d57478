// Runs the flow up to the segment node with the draft prompts (debounced after each change, at once
// on open) and keeps the latest mask as a tinted overlay. Older answers never replace newer ones.
import { useCallback, useEffect, useRef, useState } from 'react';
import { isArtifact, type Artifact } from '../../../../model/artifact';
import { artifactUrl } from '../../api/client';
import type { CatalogNode } from '../../api/types';
import { currentFlow } from '../../store/files';
import type { PointPromptCapability } from '../capabilities';
import { tintMask } from '../mask-preview';
import type { ScreenBox } from '../overlay-math';
import { runUpTo } from '../workspace-api';
import { paramsFrom, type Draft } from './segment-draft';

export interface Preview {
  runId: string;
  mask: Artifact;
  bbox: ScreenBox | null;
  backend?: string;
  durationMs?: number;
  scores?: number[];
  picked?: number;
  maskCanvas: HTMLCanvasElement;
  maskBBox: ScreenBox | null;
}

const DEBOUNCE_MS = 250;
const MASK_TINT: [number, number, number] = [56, 189, 248];

const isBox = (v: unknown): v is ScreenBox => !!v && typeof v === 'object' && 'width' in v && 'x' in v && !isArtifact(v);

export function useSegmentPreview(nodeId: string, spec: CatalogNode | undefined, cap: PointPromptCapability | null | undefined, draft: Draft, image: Artifact | null, touched: boolean) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const seqRef = useRef(0);

  const runPreview = useCallback(
    async (d: Draft) => {
      if (!cap) return;
      if (!d.points.length && !d.box) {
        setPreview(null);
        setError(null);
        return;
      }
      const seq = ++seqRef.current;
      setBusy(true);
      try {
        // A copy of the flow with the draft prompts: the graph itself changes only on Done.
        const flow = currentFlow();
        flow.nodes = flow.nodes.map((n) => (n.id === nodeId ? { ...n, params: paramsFrom(n.params ?? {}, cap, d) } : n));
        const record = await runUpTo(flow, nodeId);
        if (seq !== seqRef.current) return;
        const rec = record.nodes[nodeId];
        const maskPort = Object.entries(spec?.outputs ?? {}).find(([, p]) => p.type === 'mask')?.[0];
        const mask = maskPort ? rec?.outputs?.[maskPort] : undefined;
        if (!rec || rec.status === 'failed' || !isArtifact(mask)) {
          setError(rec?.error ?? record.error ?? `the run ${record.status} without a mask`);
          return;
        }
        const tinted = await tintMask(artifactUrl(mask), MASK_TINT);
        if (seq !== seqRef.current) return;
        setError(null);
        setPreview({
          runId: record.id,
          mask,
          bbox: Object.values(rec.outputs).find(isBox) ?? null,
          backend: rec.backend,
          durationMs: rec.durationMs,
          scores: Array.isArray(rec.meta?.scores) ? (rec.meta.scores as number[]) : undefined,
          picked: typeof rec.meta?.picked === 'number' ? rec.meta.picked : undefined,
          maskCanvas: tinted.canvas,
          maskBBox: tinted.bbox,
        });
      } catch (e) {
        if (seq === seqRef.current) setError((e as Error).message);
      } finally {
        if (seq === seqRef.current) setBusy(false);
      }
    },
    [cap, nodeId, spec],
  );

  useEffect(() => {
    if (!image) return;
    const timer = setTimeout(() => void runPreview(draft), touched ? DEBOUNCE_MS : 0);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a preview per draft or image change, not per render
  }, [draft, image]);

  return { preview, error, busy };
}
