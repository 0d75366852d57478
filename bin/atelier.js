#!/usr/bin/env node
// The `atelier` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../runtime/cli.ts');
