import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AlarmTopic } from './alarm-topic.js';
import { outputId } from './discovery.js';
import { EventBus } from './event-bus.js';

export interface MessagingStackProps extends StackProps {
  /**
   * Create the bus archive (for replay).
   * @default true
   */
  readonly archive?: boolean;
  /**
   * Archive retention.
   * @default Duration.days(30)
   */
  readonly archiveRetention?: Duration;
  /**
   * Email subscribed to the alarm topic (context `alarmEmail`).
   * @default - none
   */
  readonly alarmEmail?: string;
  /**
   * Customer-managed key of the alarm topic; its policy must let `cloudwatch.amazonaws.com` use it.
   * @default - a key created for the topic (see `AlarmTopic`)
   */
  readonly alarmTopicKey?: kms.IKey;
  /**
   * Other accounts allowed to publish to the bus.
   * @default - none
   */
  readonly publisherAccounts?: string[];
}

/** What service stacks receive from the messaging stack (as props, not name lookups). */
export interface MessagingResources {
  readonly bus: events.IEventBus;
  readonly alarmTopic: sns.ITopic;
  /**
   * How long the bus archive keeps events, when there is one: consumers' idempotency horizons must cover it.
   * @default - no archive
   */
  readonly archiveRetention?: Duration;
}

/** The shared bus (+ archive) and the alarm topic. */
export class MessagingStack extends Stack implements MessagingResources {
  readonly eventBus: EventBus;
  readonly bus: events.EventBus;
  readonly alarms: AlarmTopic;
  readonly alarmTopic: sns.Topic;
  readonly archiveRetention?: Duration;

  constructor(scope: Construct, id: string, props: MessagingStackProps = {}) {
    super(scope, id, { description: 'courier: event bus, archive and alarm topic', ...props });
    this.eventBus = new EventBus(this, 'EventBus', {
      archive: props.archive,
      archiveRetention: props.archiveRetention,
      publisherAccounts: props.publisherAccounts,
    });
    this.bus = this.eventBus.bus;
    this.archiveRetention = this.eventBus.archiveRetention;
    this.alarms = new AlarmTopic(this, 'AlarmTopic', { email: props.alarmEmail, masterKey: props.alarmTopicKey });
    this.alarmTopic = this.alarms.topic;

    new CfnOutput(this, 'BusDiscovery', {
      description: 'courier:bus',
      value: Stack.of(this).toJsonString({
        kind: 'bus',
        busName: this.bus.eventBusName,
        busArn: this.bus.eventBusArn,
        archiveName: this.eventBus.archive?.archiveName ?? null,
        archiveArn: this.eventBus.archive?.archiveArn ?? null,
        alarmTopicArn: this.alarmTopic.topicArn,
      }),
    }).overrideLogicalId(outputId('Bus'));
  }
}
