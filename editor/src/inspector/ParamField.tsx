// One param's widget, chosen from its JSON Schema (never from the node type).
import { Dices, Lock, LockOpen } from 'lucide-react';
import { useId } from 'react';
import type { JsonSchema } from '../api/types';

export type FieldKind = 'text' | 'multiline' | 'enum' | 'number' | 'slider' | 'seed' | 'boolean' | 'readonly';

/** Unwraps `anyOf: [X, {type: "null"}]` so nullable fields get X's widget. */
export function effectiveSchema(schema: JsonSchema): JsonSchema {
  const variants = schema.anyOf ?? schema.oneOf;
  if (!variants) return schema;
  const nonNull = variants.filter((v) => v.type !== 'null');
  if (nonNull.length === 1) return { ...nonNull[0], ...schema, anyOf: undefined, oneOf: undefined, type: nonNull[0].type };
  return schema;
}

export function fieldKind(raw: JsonSchema): FieldKind {
  const schema = effectiveSchema(raw);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (schema.enum && schema.enum.every((v) => typeof v === 'string' || typeof v === 'number')) return 'enum';
  if (type === 'boolean') return 'boolean';
  if (type === 'number' || type === 'integer') {
    if (schema.widget === 'seed') return 'seed';
    const { minimum, maximum } = schema;
    if (minimum !== undefined && maximum !== undefined && maximum - minimum <= 10_000) return 'slider';
    return 'number';
  }
  if (type === 'string') return schema.multiline ? 'multiline' : 'text';
  return 'readonly';
}

interface Props {
  name: string;
  schema: JsonSchema;
  value: unknown;
  required: boolean;
  error?: string;
  onChange: (value: unknown) => void;
}

export function ParamField({ name, schema: raw, value, required, error, onChange }: Props) {
  const id = useId();
  const schema = effectiveSchema(raw);
  const kind = fieldKind(raw);
  const label = schema.title ?? name;
  const integer = schema.type === 'integer';
  const placeholder = schema.default !== undefined ? valueText(schema.default) : required ? 'required' : 'optional';
  const parseNumber = (text: string) => {
    if (text.trim() === '') return undefined;
    const n = Number(text);
    return Number.isFinite(n) ? (integer ? Math.round(n) : n) : value;
  };

  let control: React.ReactNode;
  switch (kind) {
    case 'multiline':
      control = <textarea id={id} name={name} rows={4} value={(value as string) ?? ''} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />;
      break;
    case 'text': {
      // Declared examples (e.g. model names) are offered as suggestions; any other value stays allowed.
      const suggestions = schema.suggestions ?? (Array.isArray(schema.examples) ? schema.examples.filter((e): e is string => typeof e === 'string') : []);
      const listId = suggestions.length ? `${id}-list` : undefined;
      control = (
        <>
          <input id={id} name={name} type="text" list={listId} value={(value as string) ?? ''} placeholder={placeholder} onChange={(e) => onChange(e.target.value === '' && !required ? undefined : e.target.value)} />
          {listId && (
            <datalist id={listId}>
              {suggestions.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          )}
        </>
      );
      break;
    }
    case 'enum':
      control = (
        <select id={id} name={name} value={value === undefined ? '' : valueText(value)} onChange={(e) => {
          const picked = schema.enum!.find((v) => String(v) === e.target.value);
          onChange(picked);
        }}>
          {(value === undefined || !required) && <option value="">{value === undefined ? `— ${placeholder} —` : '—'}</option>}
          {schema.enum!.map((v) => (
            <option key={String(v)} value={String(v)}>
              {String(v)}
            </option>
          ))}
        </select>
      );
      break;
    case 'boolean':
      control = <input id={id} name={name} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
      break;
    case 'slider':
      control = (
        <span className="slider-row">
          <input aria-label={`${label} slider`} type="range" min={schema.minimum} max={schema.maximum} step={integer ? 1 : schema.multipleOf ?? (schema.maximum! - schema.minimum!) / 100} value={typeof value === 'number' ? value : (schema.default as number) ?? schema.minimum} onChange={(e) => onChange(parseNumber(e.target.value))} />
          <input id={id} name={name} type="number" min={schema.minimum} max={schema.maximum} step={integer ? 1 : 'any'} value={typeof value === 'number' ? value : ''} placeholder={placeholder} onChange={(e) => onChange(parseNumber(e.target.value))} />
        </span>
      );
      break;
    case 'number':
      control = <input id={id} name={name} type="number" min={schema.minimum} max={schema.maximum} step={integer ? 1 : 'any'} value={typeof value === 'number' ? value : ''} placeholder={placeholder} onChange={(e) => onChange(parseNumber(e.target.value))} />;
      break;
    case 'seed':
      control = (
        <span className="slider-row seed-row" data-seed-locked={typeof value === 'number' ? 'true' : 'false'}>
          <input id={id} name={name} type="number" step={1} min={schema.minimum} max={schema.maximum} value={typeof value === 'number' ? value : ''} placeholder="random each run" onChange={(e) => onChange(parseNumber(e.target.value))} />
          <button type="button" className="icon" aria-label={`Random ${label}`} title="Pick a new random seed and lock it (repeatable, cacheable)" onClick={() => onChange(Math.floor(Math.random() * Math.min(2 ** 31, (schema.maximum ?? 2 ** 31) + 1)))}>
            <Dices size={16} aria-hidden />
          </button>
          {typeof value === 'number' ? (
            <button type="button" className="icon" aria-label={`Unlock ${label}`} title="Locked: every run uses this seed. Click for a random seed each run" onClick={() => onChange(undefined)}>
              <Lock size={16} aria-hidden />
            </button>
          ) : (
            <button type="button" className="icon" aria-label={`Lock ${label}`} title="Random each run. Click to lock a seed" onClick={() => onChange(Math.floor(Math.random() * Math.min(2 ** 31, (schema.maximum ?? 2 ** 31) + 1)))}>
              <LockOpen size={16} aria-hidden />
            </button>
          )}
        </span>
      );
      break;
    default:
      control = (
        <pre id={id} className="readonly-json" title="Edited in the image workspace">
          {value === undefined ? '—' : JSON.stringify(value, null, 1)}
        </pre>
      );
  }

  return (
    <div className={`field field-${kind}${error ? ' field-error' : ''}`} data-field={name}>
      <label htmlFor={id}>
        {label}
        {required && <span className="required" title="required"> *</span>}
      </label>
      {control}
      {schema.description && <div className="hint">{schema.description}</div>}
      {error && (
        <div className="field-error-text" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

/** How a JSON value reads in a text field or an option. */
function valueText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}
