/**
 * `courier/testing`: what tests of courier handlers need — SQS record and EventBridge event builders, a
 * fake Lambda context, an in-memory idempotency table for aws-sdk-client-mock, and fault injection for
 * chaos runs on the local engine.
 *
 * @example
 * import { mockClient } from 'aws-sdk-client-mock';
 * import { courierDetail, eventBridgeEvent, fakeLambdaContext, InMemoryIdempotencyTable, sqsEvent, sqsRecord } from 'courier/testing';
 *
 * const table = new InMemoryIdempotencyTable('idempotency');
 * table.install(mockClient(DynamoDBClient));
 * const body = eventBridgeEvent(ShipmentDispatchedV1, courierDetail(ShipmentDispatchedV1, { shipment_id: 's-1', order_id: 'o-1' }));
 * const response = await handler(sqsEvent(sqsRecord(body)), fakeLambdaContext());
 */
export * from './builders.js';
export * from './lambda-context.js';
export * from './idempotency-table.js';
export * from './condition-expression.js';
export { FAULT_KINDS, FAULTS_ENV, FaultConfigError, parseFaults, type FaultConfig, type FaultKind } from './faults.js';
export { faultMiddleware, installFaults } from './fault-middleware.js';
