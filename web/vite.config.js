// Vite build of the wangban SPA. Element Plus components are imported on demand (with their
// styles) so each route chunk carries only what it renders; routes are lazy-loaded.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { mockCatalog } from './dev/mock-catalog.js'

// `npm run dev` proxies /api to a running `wangban serve` (WANGBAN_API, default :8080).
// WANGBAN_MOCK=1 answers the catalog routes from ../data/catalog until the server has them.
const api = process.env.WANGBAN_API || 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [
    vue(),
    Components({
      dirs: [],
      dts: false,
      resolvers: [ElementPlusResolver({ importStyle: 'css' })],
    }),
    process.env.WANGBAN_MOCK ? mockCatalog({ dataDir: '../data/catalog' }) : null,
  ],
  server: { proxy: { '/api': { target: api, changeOrigin: false } } },
  preview: { proxy: { '/api': { target: api, changeOrigin: false } } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/bpmn-js') || id.includes('node_modules/diagram-js') ||
              id.includes('node_modules/bpmn-moddle') || id.includes('node_modules/moddle')) return 'bpmn'
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.js'],
    setupFiles: ['tests/setup.js'],
    css: false,
    server: { deps: { inline: ['element-plus'] } },
  },
})
