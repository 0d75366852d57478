// "Restore unsaved changes from 10:42?" — a bar over the canvas after a reload or crash left a draft.
import { History } from 'lucide-react';
import { restoreDraft } from '../store/files';
import { useEditor } from '../store/store';

export function DraftOffer() {
  const offer = useEditor((s) => s.draftOffer);
  if (!offer) return null;
  const at = new Date(offer.savedAt);
  const sameDay = at.toDateString() === new Date().toDateString();
  const when = sameDay ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : at.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <div className="draft-offer" role="status" aria-label="Unsaved changes found" data-draft-offer={offer.savedAt}>
      <History size={16} aria-hidden />
      <span>
        Restore unsaved changes from {when}? <span className="muted small">({offer.flow.nodes.length} node{offer.flow.nodes.length === 1 ? '' : 's'}, “{offer.flow.name}”)</span>
      </span>
      <button type="button" className="primary" onClick={() => restoreDraft(true)}>Restore</button>
      <button type="button" onClick={() => restoreDraft(false)}>Discard</button>
    </div>
  );
}
