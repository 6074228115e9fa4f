import { defineConfig } from "vite";

// The bundle is committed under internal/console/dist and embedded in the
// Go binary; scripts/stamp.mjs then records the source hash and writes
// precompressed copies beside each asset.
export default defineConfig({
  base: "/",
  build: {
    outDir: "../internal/console/dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1200,
  },
});
