import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CONTRACTS_DIR, renderContracts } from './contracts/render';

/**
 * `npm run contracts`: regenerates contracts/ from the zod catalog. Published versions are guarded by
 * test/contracts/compatibility.test.ts — a published file must only ever change compatibly.
 */
const files = renderContracts();
mkdirSync(CONTRACTS_DIR, { recursive: true });
for (const stale of readdirSync(CONTRACTS_DIR)) {
  if (!files.has(`${CONTRACTS_DIR}/${stale}`)) {
    rmSync(`${CONTRACTS_DIR}/${stale}`);
    console.log(`removed ${CONTRACTS_DIR}/${stale}`);
  }
}
for (const [path, content] of files) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  console.log(`wrote ${path}`);
}
