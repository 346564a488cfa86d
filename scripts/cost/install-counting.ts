import { useConsumerMiddleware } from 'courier/runtime';
import { batchCounting, countEveryClient } from './count-middleware';

/**
 * Injected (esbuild `inject`) into every bundle of the local-engine deployment, and only there
 * (scripts/chaos/instrumentation.ts): request counting for bench/counted-cost.ts, inert until
 * COURIER_COUNT_REQUESTS is set.
 */
countEveryClient();
useConsumerMiddleware(batchCounting());
