// The public site renders inside the one Candor process: Astro runs in the Node adapter's
// middleware mode and api/app.ts mounts its handler behind the Hono routes.
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  srcDir: './site',
  publicDir: './site/public',
  output: 'server',
  adapter: node({ mode: 'middleware' }),
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
