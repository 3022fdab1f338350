import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The web app, built into dist/web at the repository root, which the API serves at `/`.
 * `npx vite apps/web` serves it with hot reload, sending /api on to TIP_API_URL (a running `npm start`).
 */
export default defineConfig({
  root: here('.'),
  base: '/',
  // Element Plus components and their styles come in per use, not as the whole library.
  // Brotli and gzip copies beside each file, made once here rather than per request by the API.
  plugins: [
    vue(),
    Components({ resolvers: [ElementPlusResolver()], dts: false }),
    compression({ algorithms: ['brotliCompress', 'gzip'], threshold: 1024, logLevel: 'silent' }),
  ],
  resolve: { alias: { '@': here('./src') } },
  define: {
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  build: {
    outDir: here('../../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    // One chunk per page plus the shared libraries; ECharts only loads with the pages that draw charts.
    chunkSizeWarningLimit: 700,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/api': { target: process.env.TIP_API_URL ?? 'http://127.0.0.1:3000', changeOrigin: false } },
  },
});
