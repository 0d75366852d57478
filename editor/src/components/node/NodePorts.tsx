// A node's two port columns; output ports bound as flow outputs show the flow output's name.
import type { CatalogNode } from '../../api/types';
import { useEditor } from '../../store/store';
import { Port } from './Port';

/** "port\0name\1…" for this node's flow outputs: a string, so the selector's result compares by value. */
function useFlowOutputNames(id: string): Map<string, string> {
  const encoded = useEditor((s) => {
    let names = '';
    for (const [name, b] of Object.entries(s.meta.outputs)) if (b.node === id) names += `${b.port}\u0000${name}\u0001`;
    return names;
  });
  return new Map(encoded.split('\u0001').filter(Boolean).map((pair) => pair.split('\u0000') as [string, string]));
}

export function NodePorts({ id, spec, compact }: { id: string; spec: CatalogNode; compact: boolean }) {
  const outputNames = useFlowOutputNames(id);
  return (
    <div className="ports">
      <div className="ports-col">
        {Object.entries(spec.inputs).map(([name, p]) => <Port key={name} name={name} spec={p} side="in" compact={compact} />)}
      </div>
      <div className="ports-col ports-out">
        {Object.entries(spec.outputs).map(([name, p]) => <Port key={name} name={name} spec={p} side="out" flowName={outputNames.get(name)} compact={compact} />)}
      </div>
    </div>
  );
}
