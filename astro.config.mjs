// The public site renders inside the one Candor process: Astro runs in the Node adapter's
// middleware mode and api/app.ts mounts its handler behind the Hono routes.
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';
import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** After the build, a brotli and a gzip copy of each style and script: served as is, never compressed per request. */
const precompress = {
  name: 'candor-precompress',
  hooks: {
    'astro:build:done': ({ dir }) => {
      const assets = new URL('./_astro/', dir);
      for (const file of readdirSync(assets).filter((f) => /\.(css|js|svg)$/.test(f))) {
        const bytes = readFileSync(new URL(file, assets));
        writeFileSync(new URL(`${file}.br`, assets), brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        writeFileSync(new URL(`${file}.gz`, assets), gzipSync(bytes, { level: 9 }));
      }
    },
  },
};

export default defineConfig({
  srcDir: './site',
  publicDir: './site/public',
  output: 'server',
  adapter: node({ mode: 'middleware' }),
  integrations: [precompress],
  // Styles and scripts go to hashed files under /_astro, so the page's CSP needs no inline allowance.
  build: { inlineStylesheets: 'never' },
  // Email rendering reads its MJML files beside its own module, so the console's previews load
  // it from the source tree at run time instead of bundling it away from them.
  vite: {
    build: {
      assetsInlineLimit: 0,
      rollupOptions: { external: [fileURLToPath(new URL('./emails/render.ts', import.meta.url))], makeAbsoluteExternalsRelative: false },
    },
  },
});
