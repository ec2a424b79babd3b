// The UI's unit tests: pure modules (filters, layout, diff hunks) under src/**/*.test.ts, in Node — what
// needs a page is tested in Chromium by the e2e suite (test/e2e/ui-*.test.ts).
import { defineConfig } from "vitest/config";

export default defineConfig({ test: { include: ["src/**/*.test.ts"], environment: "node" } });
