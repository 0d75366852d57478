// `npm run bench:peer [rounds]`: the engine's two headline figures beside Node-RED 5's, measured in
// turns in one sitting. Machines here drift by ±30% within minutes (one side-by-side pair saw Node-RED
// at 17 µs a node, the next at 37), so one pair proves little: each round runs both, the order swapped
// every round, and the ratios' medians are the result. Each side runs in a fresh process.
//
// Atelier's side (bench/peer-atelier.ts) runs as the server runs (bench/compiled.ts): compiled as the
// shipped code is, with the Node flags `npm start` gives the server (none today).
//
// The peer is ../shared/peers (see its README) or ATELIER_PEER_DIR; without its npm packages it is
// copied to a temporary folder and `npm ci` is run there. The last line is JSON.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHILD_TIMEOUT_MS, compiledBench, serverNodeFlags, splitLastJson, type CompiledBench } from './compiled';
import type { AtelierFigures } from './peer-atelier';
import { median } from './table';

const PEER_ARGS = ['bench.js', '5', '5000']; // as the peer's README runs it

interface Figures {
  usPerNode: number;
  runsPerSec: number;
}

await sideBySide(Number(process.argv[2] ?? 3));

async function sideBySide(rounds: number): Promise<void> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a positive integer, got "${process.argv[2]}"`);
  const repo = fileURLToPath(new URL('..', import.meta.url));
  const { dir: peerDir, cleanup } = preparedPeer(process.env.ATELIER_PEER_DIR ?? resolve(repo, '../shared/peers'));
  let side: CompiledBench | undefined;
  try {
    const compiled = (side = await compiledBench(repo, 'bench/peer-atelier.ts', 'peer-atelier'));
    const flags = serverNodeFlags(repo);
    const atelier = () => lastJson<AtelierFigures>(compiled.run(flags));
    const ours: AtelierFigures[] = [];
    const theirs: Figures[] = [];
    for (let round = 0; round < rounds; round++) {
      const measureOurs = () => ours.push(atelier());
      const measureTheirs = () => theirs.push(nodeRedFigures(peerDir));
      if (round % 2 === 0) {
        measureTheirs();
        measureOurs();
      } else {
        measureOurs();
        measureTheirs();
      }
      const [a, n] = [ours[round], theirs[round]];
      console.log(
        `round ${round + 1}: per node ${a.usPerNode.toFixed(2)} µs vs Node-RED ${n.usPerNode.toFixed(1)} (×${(a.usPerNode / n.usPerNode).toFixed(2)}), ` +
          `back to back ${Math.round(a.runsPerSec)} runs/s vs ${Math.round(n.runsPerSec)} msgs/s (×${(a.runsPerSec / n.runsPerSec).toFixed(2)}); ` +
          `Atelier's CPU a run: main thread ${Math.round(a.mainCpuUsPerRun ?? NaN)} µs, other threads ${Math.round(a.otherThreadsCpuUsPerRun ?? NaN)} µs`,
      );
    }
    const ratios = (pick: (f: Figures) => number) => ours.map((a, i) => pick(a) / pick(theirs[i]));
    const round3 = (value: number) => Math.round(value * 1000) / 1000;
    console.log(
      JSON.stringify({
        rounds,
        nodeFlags: flags,
        perNodeUs: ours.map((f) => round3(f.usPerNode)),
        nodeRedUsPerNode: theirs.map((f) => round3(f.usPerNode)),
        perNodeRatioMedian: round3(median(ratios((f) => f.usPerNode))),
        perNodeTarget: '≤ 0.5',
        runsPerSecBackToBack: ours.map((f) => Math.round(f.runsPerSec)),
        nodeRedMsgsPerS: theirs.map((f) => Math.round(f.runsPerSec)),
        backToBackRatioMedian: round3(median(ratios((f) => f.runsPerSec))),
        backToBackTarget: '≥ 1',
        mainCpuUsPerRun: ours.map((f) => Math.round(f.mainCpuUsPerRun ?? NaN)),
        otherThreadsCpuUsPerRun: ours.map((f) => Math.round(f.otherThreadsCpuUsPerRun ?? NaN)),
      }),
    );
  } finally {
    cleanup();
    side?.remove();
  }
}

/** The peer's folder with its packages installed: as given, or a copy where `npm ci` ran. */
function preparedPeer(dir: string): { dir: string; cleanup: () => void } {
  if (!existsSync(join(dir, 'nodered', 'bench.js'))) throw new Error(`no Node-RED peer benchmark at ${dir}/nodered/bench.js (set ATELIER_PEER_DIR)`);
  if (existsSync(join(dir, 'nodered', 'node_modules'))) return { dir, cleanup: () => {} };
  const copy = mkdtempSync(join(tmpdir(), 'atelier-peer-nodered-'));
  cpSync(dir, copy, { recursive: true });
  console.log(`installing the peer's packages in ${copy} (npm ci)…`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: join(copy, 'nodered'), stdio: 'inherit', timeout: CHILD_TIMEOUT_MS });
  return { dir: copy, cleanup: () => rmSync(copy, { recursive: true, force: true }) };
}

function nodeRedFigures(peerDir: string): Figures {
  const output = execFileSync(process.execPath, PEER_ARGS, { cwd: join(peerDir, 'nodered'), encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
  const result = lastJson<{ chain1000?: { us_per_node?: unknown }; throughput10?: { msgs_per_s?: unknown } }>(output);
  const usPerNode = result.chain1000?.us_per_node;
  const runsPerSec = result.throughput10?.msgs_per_s;
  if (typeof usPerNode !== 'number' || typeof runsPerSec !== 'number') throw new Error(`the peer's output lacks chain1000.us_per_node or throughput10.msgs_per_s: ${output.slice(-500)}`);
  return { usPerNode, runsPerSec };
}

function lastJson<T>(output: string): T {
  return splitLastJson<T>(output).json;
}
