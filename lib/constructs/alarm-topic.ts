import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /**
   * Address subscribed to every alarm (the app reads it from context `alarmEmail`).
   * @default - no subscription
   */
  readonly email?: string;
  /**
   * Customer-managed KMS key for the topic. The AWS-managed `alias/aws/sns` key cannot be used:
   * CloudWatch alarms cannot publish to a topic encrypted with it. A key passed here must allow
   * `cloudwatch.amazonaws.com` kms:Decrypt/GenerateDataKey*.
   * @default - no SSE (alarm payloads hold no customer data: names, states, thresholds)
   */
  readonly masterKey?: kms.IKey;
  /**
   * Topic display name.
   * @default 'courier alarms'
   */
  readonly displayName?: string;
}

/** The SNS topic every courier alarm notifies. Publishing requires TLS. */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  readonly action: cloudwatch.IAlarmAction;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: props.displayName ?? 'courier alarms',
      enforceSSL: true,
      masterKey: props.masterKey,
    });
    if (props.email) this.topic.addSubscription(new subs.EmailSubscription(props.email));
    this.action = new cwActions.SnsAction(this.topic);
  }
}

/** Points an alarm at the topic for both ALARM and OK, so the operator also hears recovery. */
export function notify(alarm: cloudwatch.Alarm, topic: sns.ITopic): cloudwatch.Alarm {
  const action = new cwActions.SnsAction(topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}
