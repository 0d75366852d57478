// Typed node I/O: a node file that misreads its ports does not compile. Compiles small node files
// against the real nodes/api.ts with the TypeScript compiler and reads the diagnostics.
import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const api = resolve('nodes/api.ts');

function header(inputs: string, outputs: string): string {
  return `import { z } from 'zod';
import { defineNode } from ${JSON.stringify(api.replace(/\.ts$/, ''))};
export const node = defineNode({
  type: 'fixture.node', title: 'Fixture', category: 'test', description: 'fixture', version: 1,
  inputs: ${inputs},
  outputs: ${outputs},
  params: z.object({ factor: z.number().default(2) }),
  deterministic: true,`;
}

/** The error messages of compiling each source (one virtual file per source, one program). */
function compile(sources: Record<string, string>): Record<string, string[]> {
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, skipLibCheck: true, types: ['node'] };
  const files = new Map(Object.entries(sources).map(([name, text]) => [resolve(`nodes/__fixture_${name}.ts`), text]));
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError) => (files.has(name) ? ts.createSourceFile(name, files.get(name)!, version) : getSourceFile(name, version, onError));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  const program = ts.createProgram([...files.keys()], options, host);
  const out: Record<string, string[]> = {};
  for (const [name, path] of Object.keys(sources).map((n) => [n, resolve(`nodes/__fixture_${n}.ts`)])) {
    out[name] = ts.getPreEmitDiagnostics(program, program.getSourceFile(path)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }
  return out;
}

describe('defineNode types a node from its ports', () => {
  it('rejects a misspelt input, an undeclared, missing or mistyped output, and accepts the correct node', () => {
    const ports = [`{ image: { type: 'image' }, n: { type: 'number', optional: true, default: 1 }, note: { type: 'text', optional: true } }`, `{ image: { type: 'image' }, n: { type: 'number' }, info: { type: 'json', optional: true } }`] as const;
    const result = compile({
      good: `${header(...ports)}
  async run(_ctx, inputs, params) {
    const n: number = inputs.n * params.factor; // a default makes the optional input always set
    const note: string | undefined = inputs.note;
    return { image: inputs.image, n: n + (note?.length ?? 0), info: { nested: [1, 'two', null] } };
  },
});`,
      misspelt: `${header(...ports)}
  async run(_ctx, inputs) {
    return { image: inputs.imgae, n: 1 };
  },
});`,
      undeclared: `${header(...ports)}
  async run(_ctx, inputs) {
    return { image: inputs.image, n: 1, extra: 2 };
  },
});`,
      missing: `${header(...ports)}
  async run(_ctx, inputs) {
    return { image: inputs.image };
  },
});`,
      mistyped: `${header(...ports)}
  async run(_ctx, inputs) {
    const note: string = inputs.note; // may be undefined: no default
    return { image: inputs.image, n: 'one' };
  },
});`,
    });
    expect(result.good).toEqual([]);
    expect(result.misspelt.join('\n')).toMatch(/Property 'imgae' does not exist/);
    expect(result.undeclared.join('\n')).toContain('"extra is not a declared output"\' is missing');
    expect(result.missing.join('\n')).toMatch(/Property 'n' is missing/);
    expect(result.mistyped.join('\n')).toMatch(/Type 'string \| undefined' is not assignable to type 'string'/);
    expect(result.mistyped.join('\n')).toMatch(/Type 'string' is not assignable to type 'number'/);
  }, 120_000);
});
