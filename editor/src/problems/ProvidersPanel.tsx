// The Keys tab: which providers are configured, which variables they need and where they go.
import { CheckCircle2, KeyRound, RefreshCw } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useEditor } from '../store/store';
import { loadProviders, reloadConfiguration } from './checks';

export function ProvidersPanel() {
  const providers = useEditor((s) => s.providers);
  const [busy, setBusy] = useState(false);
  useEffect(() => void loadProviders(), []);
  return (
    <div className="providers" aria-label="Providers">
      <p className="small">
        Provider keys live on the server, never in flows. Put the missing variables in a <code>.env</code> file in the directory where Atelier was started (one{' '}
        <code>NAME=value</code> per line), then reload.
      </p>
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void reloadConfiguration().finally(() => setBusy(false)); // it reports its own failure
        }}
      >
        <RefreshCw size={14} aria-hidden /> {busy ? 'Reloading…' : 'Reload configuration'}
      </button>
      {providers === null && <p className="muted small">Loading…</p>}
      <ul>
        {providers?.map((p) => (
          <li key={p.id} data-provider={p.id} data-configured={String(p.configured)} className={p.configured ? 'ok' : 'missing'}>
            <div className="provider-title">
              {p.configured ? <CheckCircle2 size={14} aria-hidden /> : <KeyRound size={14} aria-hidden />} <b>{p.title}</b>{' '}
              <span className="small">{p.configured ? 'configured' : 'needs a key'}</span>
            </div>
            {p.configured && p.via?.length ? <div className="muted small">from {p.via.join(', ')}</div> : null}
            {!p.configured && p.missing?.length ? (
              <div className="small">
                set {p.missing.map((m, i) => <span key={m}>{i > 0 && ' or '}<code>{m}</code></span>)}
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
