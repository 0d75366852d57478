// Loads what the gallery shows for the current filters; reloads when a run ends or on demand.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { RunRecord } from '../../api/types';
import { toast, useEditor } from '../../store/store';
import { fetchGallery, type GalleryEntry } from '../workspace-api';
import { fetchRecentRuns, itemsFromEntries, itemsFromRuns, mergeItems, type GalleryItem, type GalleryShow } from './gallery-items';

export interface GalleryFilters {
  show: GalleryShow;
  provider: string;
  query: string;
  tree: boolean;
  version: number;
}

export function useGallery({ show, provider, query, tree, version }: GalleryFilters) {
  const [entries, setEntries] = useState<GalleryEntry[]>([]);
  const [runs, setRuns] = useState<RunRecord[]>([]);
  // What the shown items were loaded for: until it is the current filters, the gallery is loading
  // (also in the render between a filter change and the effect that fetches, so no stale "ready").
  const [loadedFor, setLoadedFor] = useState<string | null>(null);
  const providers = useRef(new Set<string>());
  const flows = useEditor((s) => s.flows);
  const runStatus = useEditor((s) => s.run?.status);
  const runEnded = runStatus === 'succeeded' || runStatus === 'failed';
  const wantedKey = JSON.stringify([show, provider, query, runEnded, version]);

  useEffect(() => {
    let cancelled = false;
    const wanted = Promise.all([
      fetchGallery({ provider: provider || undefined, search: query || undefined }),
      // Flow outputs have no provider: a provider filter shows generated images only.
      show === 'outputs' && !provider ? fetchRecentRuns() : Promise.resolve([]),
    ]);
    wanted
      .then(([page, records]) => {
        if (cancelled) return;
        for (const e of page.entries) if (e.provider) providers.current.add(e.provider);
        setEntries(page.entries);
        setRuns(records);
      })
      .catch((error: Error) => !cancelled && toast(`Could not load the gallery: ${error.message}`, 'error'))
      .finally(() => !cancelled && setLoadedFor(wantedKey));
    return () => {
      cancelled = true;
    };
  }, [show, provider, query, runEnded, version, wantedKey]);

  const items = useMemo<GalleryItem[]>(() => mergeItems(itemsFromEntries(entries, tree), show === 'outputs' ? itemsFromRuns(runs, flows) : [], query), [entries, runs, flows, tree, show, query]);
  return { items, entries, loading: loadedFor !== wantedKey, providers: [...providers.current].sort() };
}
