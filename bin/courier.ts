#!/usr/bin/env node
// The `courier` ops CLI (package.json "bin"), compiled to dist/bin/courier.js by `npm run build`.
import { runProcess } from './cli/main.js';

await runProcess(process.argv.slice(2));
