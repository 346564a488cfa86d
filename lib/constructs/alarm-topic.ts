import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** Props of the {@link AlarmTopic}: who hears the alarms and which key encrypts the topic. */
export interface AlarmTopicProps {
  /**
   * Address subscribed to every alarm (the app reads it from context `alarmEmail`).
   * @default - no subscription
   */
  readonly email?: string;
  /**
   * Customer-managed KMS key for the topic's SSE. The AWS-managed `alias/aws/sns` key cannot be used:
   * CloudWatch alarms cannot publish to a topic encrypted with it. A key passed here must allow
   * `cloudwatch.amazonaws.com` kms:Decrypt/GenerateDataKey* in its key policy.
   * @default - a new customer-managed key (rotation on) whose policy allows that
   */
  readonly masterKey?: kms.IKey;
  /**
   * Topic display name.
   * @default 'courier alarms'
   */
  readonly displayName?: string;
}

/**
 * The SNS topic every courier alarm notifies: encrypted at rest under a customer-managed key that
 * CloudWatch alarms may use, publishing over TLS only.
 *
 * @example
 * const alarms = new AlarmTopic(this, 'AlarmTopic', { email: 'ops@example.com' });
 * notify(queue.metricApproximateNumberOfMessagesVisible().createAlarm(this, 'Depth', { threshold: 0, evaluationPeriods: 1 }), alarms.topic);
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  /** The topic's encryption key (created here unless one was passed). */
  readonly key: kms.IKey;
  readonly action: cloudwatch.IAlarmAction;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    this.key = props.masterKey ?? alarmPublishingKey(this);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: props.displayName ?? 'courier alarms',
      enforceSSL: true,
      masterKey: this.key,
    });
    if (props.email) this.topic.addSubscription(new subs.EmailSubscription(props.email));
    this.action = new cwActions.SnsAction(this.topic);
  }
}

/** A key with rotation whose policy lets CloudWatch alarms encrypt what they publish to the topic. */
function alarmPublishingKey(scope: Construct): kms.Key {
  const key = new kms.Key(scope, 'Key', {
    description: 'courier: alarm topic SSE (CloudWatch alarms publish with it)',
    enableKeyRotation: true,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }),
  );
  return key;
}

/**
 * Points an alarm at the topic for both ALARM and OK, so the operator also hears recovery. Use it for
 * alarms of your own that should reach the same people as courier's.
 *
 * @example
 * const slow = shippingApi.metricDuration({ statistic: 'p99' }).createAlarm(this, 'ApiSlow', { threshold: 3_000, evaluationPeriods: 3 });
 * notify(slow, this.alarmTopic);
 */
export function notify(alarm: cloudwatch.Alarm, topic: sns.ITopic): cloudwatch.Alarm {
  const action = new cwActions.SnsAction(topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}
