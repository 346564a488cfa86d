import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledgeKeyGrants } from './encryption.js';

/** Item reads a handler may need (no Scan: handlers look items up by key or query an index). */
export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PartiQLSelect',
];

/** Item writes, including the PartiQL forms (BatchExecuteStatement) and the parts of TransactWriteItems. */
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
];

/** A table a function is given, with the access it gets. */
export interface TableGrant {
  /** The table. */
  readonly table: dynamodb.ITable;
  /**
   * Only reads.
   * @default false (read and write)
   */
  readonly readOnly?: boolean;
  /**
   * Secondary indexes the function may Query, by name (no `index/*` wildcard is ever granted).
   * @default - none
   */
  readonly indexes?: string[];
}

/**
 * Grants item-level access on the table (and the named indexes) only: no wildcard resource. When the
 * table is encrypted with a customer-managed key, also the key use that access needs. Consumers get it
 * through their `tables` prop; call it for other functions.
 *
 * @example
 * grantTable(shippingApi, { table: shipments, indexes: ['by-order'] });
 * grantTable(reportFunction, { table: shipments, readOnly: true });
 */
export function grantTable(grantee: iam.IGrantable, grant: TableGrant | dynamodb.ITable): void {
  const g: TableGrant = 'tableArn' in grant ? { table: grant } : grant;
  const resources = [g.table.tableArn, ...(g.indexes ?? []).map((name) => `${g.table.tableArn}/index/${name}`)];
  iam.Grant.addToPrincipal({
    grantee,
    actions: g.readOnly ? TABLE_READ_ACTIONS : [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS],
    resourceArns: resources,
  });
  grantTableKey(grantee, g.table, g.readOnly);
}

/**
 * Use of the table's customer-managed key, if it has one (reads: `kms:Decrypt`; writes: encrypt and
 * decrypt). For access granted with hand-written IAM statements; {@link grantTable} includes it.
 *
 * @example
 * iam.Grant.addToPrincipal({ grantee: fn, actions: ['dynamodb:PutItem'], resourceArns: [table.tableArn] });
 * grantTableKey(fn, table);
 */
export function grantTableKey(grantee: iam.IGrantable, table: dynamodb.ITable, readOnly = false): void {
  if (!table.encryptionKey) return;
  if (readOnly) table.encryptionKey.grantDecrypt(grantee);
  else table.encryptionKey.grantEncryptDecrypt(grantee);
  acknowledgeKeyGrants(grantee);
}
