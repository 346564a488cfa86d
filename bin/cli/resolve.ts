import { CliError, EXIT } from './context.js';
import { findConsumer, type ConsumerInfo, type Deployment, type OutboxInfo } from './discovery.js';
import { queueName } from './format.js';

export class UnknownConsumer extends CliError {
  constructor(wanted: string, deployment: Deployment) {
    super(
      `unknown consumer or queue '${wanted}'`,
      EXIT.unknownConsumer,
      `known consumers: ${deployment.consumers.map((c) => c.name).join(', ') || '(none)'}${
        deployment.outboxes.length ? `; outbox relay DLQs: ${deployment.outboxes.map((o) => `${o.service}-outbox`).join(', ')}` : ''
      }`,
    );
  }
}

export class UnknownService extends CliError {
  constructor(wanted: string, known: string[], what: string) {
    super(`no ${what} for service '${wanted}'`, EXIT.unknownConsumer, `services with ${what}: ${known.join(', ') || '(none)'}`);
  }
}

export function requireConsumer(deployment: Deployment, wanted: string): ConsumerInfo {
  const consumer = findConsumer(deployment, wanted);
  if (!consumer) throw new UnknownConsumer(wanted, deployment);
  return consumer;
}

/** Which dead-letter queue an operator means, and where its messages came from. */
export type DlqTarget =
  | { kind: 'dlq' | 'target-dlq'; url: string; arn: string; owner: string; consumer: ConsumerInfo; sourceUrl: string; sourceArn: string }
  | { kind: 'relay-dlq'; url: string; arn: string; owner: string; outbox: OutboxInfo };

/**
 * `<consumer|queue>`: a consumer name (its DLQ, or its target DLQ with `--target`), any of its queue
 * names/URLs (a target-DLQ name selects the target DLQ), or an outbox relay DLQ (`<service>-outbox`,
 * its name or URL).
 */
export function resolveDlq(deployment: Deployment, wanted: string, target = false): DlqTarget {
  const w = wanted.trim();
  const relay = deployment.outboxes.find(
    (o) => `${o.service}-outbox` === w || o.relayDlqUrl === w || queueName(o.relayDlqUrl) === w || o.relayDlqArn === w,
  );
  if (relay) return { kind: 'relay-dlq', url: relay.relayDlqUrl, arn: relay.relayDlqArn, owner: `${relay.service} outbox relay`, outbox: relay };
  const consumer = findConsumer(deployment, w) ?? deployment.consumers.find((c) => [c.queueArn, c.dlqArn, c.targetDlqArn].includes(w));
  if (!consumer) throw new UnknownConsumer(w, deployment);
  const asTarget = target || consumer.targetDlqUrl === w || queueName(consumer.targetDlqUrl) === w || consumer.targetDlqArn === w;
  return asTarget
    ? { kind: 'target-dlq', url: consumer.targetDlqUrl, arn: consumer.targetDlqArn, owner: consumer.name, consumer, sourceUrl: consumer.queueUrl, sourceArn: consumer.queueArn }
    : { kind: 'dlq', url: consumer.dlqUrl, arn: consumer.dlqArn, owner: consumer.name, consumer, sourceUrl: consumer.queueUrl, sourceArn: consumer.queueArn };
}

/** Components of one service (`--service`), or all; an unknown service is exit 5 listing the known ones. */
export function byService<T extends { service: string }>(items: T[], service: string | undefined, what: string): T[] {
  if (!service) return items;
  const found = items.filter((i) => i.service === service);
  if (found.length === 0) throw new UnknownService(service, items.map((i) => i.service), what);
  return found;
}
