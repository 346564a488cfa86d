import { loadAppConfig, resolveScope, stackPrefix } from 'courier/cli';

/** The fixture stack, in the reference app's scope (`dev-CourierE2eFifo`), so the suite's tools discover it like the app's own stacks. */
export const FIFO_STACK = `${stackPrefix(resolveScope({}, loadAppConfig()))}E2eFifo`;
export const FIFO_CONSUMER = 'e2e-fifo-sequence';
