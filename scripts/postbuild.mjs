// Marks the CLI entry point executable after tsc writes it, so `npx faultline` works from a fresh `npm ci`.
import { chmodSync, existsSync } from 'node:fs';
const bin = new URL('../dist/harness/cli/main.js', import.meta.url);
if (existsSync(bin)) chmodSync(bin, 0o755);
