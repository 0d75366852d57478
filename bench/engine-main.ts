// The engine benchmark in a process of its own, as the server runs (bench/compiled.ts): bench/index.ts
// runs this compiled, with the start script's Node flags. Prints its table, then its keys as JSON.
import { bench } from './engine';

console.log(JSON.stringify(await bench()));
