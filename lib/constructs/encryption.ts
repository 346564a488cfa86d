import { Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * Table encryption props for an optional customer-managed key: with a key, `CUSTOMER_MANAGED` under it;
 * without, nothing (DynamoDB's default, an AWS-owned key).
 *
 * @example
 * new dynamodb.Table(this, 'Table', { partitionKey, ...tableEncryption(props.encryptionKey) });
 */
export function tableEncryption(key: kms.IKey | undefined): Pick<dynamodb.TableProps, 'encryption' | 'encryptionKey'> {
  return key ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: key } : {};
}

/**
 * Keeps an encrypted queue's delivery policy as narrow as an unencrypted one's. For a KMS-encrypted
 * target queue aws-cdk-lib's `SqsQueue` target allows `events.amazonaws.com` SendMessage without the
 * `aws:SourceArn` condition (with it, key policy → rule → queue → key would be a dependency cycle);
 * this denies SendMessage from every other rule on the queue's own policy, where the rule ARN makes
 * no cycle.
 *
 * @example
 * if (queue.encryptionMasterKey) acceptOnlyFromRule(queue, rule);
 */
export function acceptOnlyFromRule(queue: sqs.IQueue, rule: events.IRule): void {
  queue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyEventBridgeDeliveryFromOtherRules',
      effect: iam.Effect.DENY,
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: { ArnNotEquals: { 'aws:SourceArn': rule.ruleArn } },
    }),
  );
}

/**
 * Acknowledges, on the grantee's role, the cdk-nag findings of aws-cdk-lib's KMS grants
 * (`grantEncryptDecrypt` writes `kms:ReEncrypt*` and `kms:GenerateDataKey*`): the actions are on one
 * key's ARN, never on `*`. A no-op for grantees that are not roles.
 *
 * @example
 * table.encryptionKey?.grantEncryptDecrypt(fn);
 * acknowledgeKeyGrants(fn);
 */
export function acknowledgeKeyGrants(grantee: iam.IGrantable): void {
  const role = grantee.grantPrincipal;
  if (!(role instanceof iam.Role)) return;
  const reason =
    'Use of the customer-managed encryption key of this stack\'s tables and queues, as aws-cdk-lib grants it (kms:GenerateDataKey*, kms:ReEncrypt*): the statement names that one key\'s ARN, not *.';
  Validations.of(role).acknowledge(
    { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason },
    { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason },
  );
}
