#!/usr/bin/env node
// The `courier` ops CLI (package.json "bin"). The CLI is TypeScript (bin/cli/); tsx compiles it on load,
// so `npx courier …` works right after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

register();
const { runProcess } = await import('./cli/main.ts');
await runProcess(process.argv.slice(2));
