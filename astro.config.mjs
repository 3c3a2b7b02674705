// The public site renders inside the one Candor process: Astro runs in the Node adapter's
// middleware mode and api/app.ts mounts its handler behind the Hono routes.
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';

export default defineConfig({
  srcDir: './site',
  publicDir: './site/public',
  output: 'server',
  adapter: node({ mode: 'middleware' }),
  // Styles and scripts go to hashed files under /_astro, so the page's CSP needs no inline allowance.
  build: { inlineStylesheets: 'never' },
  vite: { build: { assetsInlineLimit: 0 } },
});
