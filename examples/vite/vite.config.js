// The package is imported by its name, 'simdloss'. In an app that installed it
// (npm install simdloss) Vite finds it in node_modules and nothing here is needed;
// inside this repository the alias points the name at the repository's own build.
// The headers make the page cross-origin isolated, which a worker pool needs
// (init({ threads }): shared memory posted to workers); a production server
// must send the same two.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const isolated = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  server: { headers: isolated },
  preview: { headers: isolated },
  resolve: {
    alias: { simdloss: fileURLToPath(new URL('../../dist/index.js', import.meta.url)) },
  },
});
