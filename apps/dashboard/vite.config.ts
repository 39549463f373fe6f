import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defaultClientConditions, defineConfig } from 'vite';
import { precompress } from './scripts/precompress.js';

export default defineConfig({
  // No svelte.config.js: the defaults (TypeScript in <script lang="ts">) are all it needs.
  plugins: [svelte({ configFile: false }), precompress()],
  // The few workspace modules it takes code from (@hearth/rules/duration, @hearth/entities/definition) come as TypeScript sources.
  resolve: { conditions: ['@hearth/source', ...defaultClientConditions] },
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/ws': { target: 'ws://127.0.0.1:8080', ws: true } },
  },
});
