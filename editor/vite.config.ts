// Builds the editor into editor/dist (served by the runtime at `/`).
// `npx vite --config editor/vite.config.ts` runs a dev server with /api (and its WebSocket)
// proxied to the runtime at ATELIER_PORT (default 8787).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const editorRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const runtime = `http://127.0.0.1:${process.env.ATELIER_PORT || 8787}`;

export default defineConfig({
  root: editorRoot,
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: {
    fs: { allow: [repoRoot] },
    proxy: { '/api': { target: runtime, ws: true, changeOrigin: true } },
  },
  preview: { proxy: { '/api': { target: runtime, ws: true, changeOrigin: true } } },
});
