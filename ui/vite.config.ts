// The UI's build: React, hashed file names under assets/, nothing inlined as data: URLs (the server's
// Content-Security-Policy is default-src 'self'), and precompressed .br/.gz siblings (compress.ts).
// `npm run dev` proxies the API to a running `plumb server --insecure` on :8080 (PLUMB_API to change).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { precompress } from "./compress.ts";

const api = process.env.PLUMB_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react(), precompress()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
  },
  server: { proxy: { "/api": { target: api, changeOrigin: false }, "/auth": { target: api } } },
});
