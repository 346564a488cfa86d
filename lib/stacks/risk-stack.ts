import type { Construct } from 'constructs';
import { OrderCreatedV1 } from '../../functions/events/orders';
import { type Consumer, type FailedMessageStore, ServiceStack, type ServiceStackProps } from 'courier/constructs';
import { services } from '../../functions/events/services';

/**
 * Risk: the consumer `risk-assess` (scores order.created.v1, publishes risk.assessed.v1 straight to the
 * bus) and the failed-message store that keeps what could not be published and retries it. No tables of
 * its own: the score is computed from the event alone.
 */
export class RiskStack extends ServiceStack {
  readonly failedMessages: FailedMessageStore;
  readonly assessConsumer: Consumer;

  constructor(scope: Construct, id: string, props: Omit<ServiceStackProps, 'serviceName'>) {
    super(scope, id, { services, ...props, serviceName: 'risk' });
    this.failedMessages = this.addFailedMessageStore();
    this.assessConsumer = this.addConsumer('risk-assess', { events: [OrderCreatedV1], entry: 'functions/risk/handler.ts' });
    this.failedMessages.grantPublisher(this.assessConsumer.fn);
    this.grantPublish(this.assessConsumer.fn);
  }
}
