import { outboxRelayFromEnv } from 'courier/runtime';

/** The outbox relay built from source for the local chaos deployment, so the fault module can be injected. */
export const handler = outboxRelayFromEnv();
