import { installFaults } from 'courier/testing';

/**
 * Injected (esbuild `inject`) into every bundle of the local-engine deployment, and only there
 * (scripts/chaos/instrumentation.ts): the chaos run's faults, inert until COURIER_FAULTS is set.
 */
installFaults();
