// The package is imported by its name, 'simdloss'. In an app that installed it
// (npm install simdloss) Vite finds it in node_modules and nothing here is needed;
// inside this repository the alias points the name at the repository's own build.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  resolve: {
    alias: { simdloss: fileURLToPath(new URL('../../dist/index.js', import.meta.url)) },
  },
});
