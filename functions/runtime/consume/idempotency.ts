import { randomUUID } from 'node:crypto';
import {
  BatchExecuteStatementCommand,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  PutItemCommand,
  type AttributeValue,
  type BatchStatementRequest,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { backoffDelay, systemClock } from '../support/backoff.js';
import { until } from './deadline.js';

/**
 * Idempotency markers (table layout in docs/ARCHITECTURE.md § Shared conventions): `id`, `status`
 * IN_PROGRESS | COMPLETED, `lease_token`, `lease_expires_at` (epoch ms), `expires_at` (epoch s, TTL).
 *
 * Request budget: claims for a whole batch go out as PartiQL INSERTs in one BatchExecuteStatement (25
 * statements per call, each succeeding or failing on its own), and completions/releases are flushed the
 * same way at the end of the batch. A new record therefore costs 2/n requests in an n-record batch.
 * INSERT fails with DuplicateItem on *any* existing item, so an existing item that the rules say is
 * absent (TTL-expired, or IN_PROGRESS with a dead lease) is taken over with one conditional PutItem.
 *
 * Optimistic mode claims nothing: the completed marker is put, conditional on no live marker (the same
 * rule as the takeover), in the transaction of the handler's writes (`markerPut`); `read` looks up the
 * markers of likely duplicates before they run.
 */
export type ClaimResult =
  | { status: 'claimed'; token: string }
  | { status: 'completed' }
  | { status: 'in_progress' }
  | { status: 'error'; error: unknown }
  /** Optimistic mode: not claimed; run it, and its commit (the conditional marker put) decides. */
  | { status: 'optimistic' }
  /** Optimistic mode: a later copy of a key earlier in the same batch; it follows that copy's outcome. */
  | { status: 'copy' };

/** Who holds a marker: a completed record, or a live lease. */
export type Holder = 'completed' | 'in_progress';

export type FinishResult = 'ok' | 'lease_lost' | 'error';

export interface Finish {
  id: string;
  token: string;
  /** complete: the record's effect is done; release: it is not, let the retry run. */
  action: 'complete' | 'release';
}

const IN_PROGRESS = 'IN_PROGRESS';
const COMPLETED = 'COMPLETED';
const STATEMENTS_PER_CALL = 25;
/** BatchGetItem takes at most 100 keys. */
const KEYS_PER_READ = 100;
/**
 * When an existing marker counts as absent: expired (TTL deletion lags up to days), or an in-progress
 * claim whose lease ended. The takeover and the optimistic marker put are conditional on it.
 */
const ABSENT_MARKER = 'attribute_not_exists(id) OR expires_at < :now OR (#status = :in_progress AND lease_expires_at < :now_ms)';
/**
 * Sends of a completion/release before giving up. A statement can fail on its own (ThrottlingError,
 * InternalServerError inside a 200 response, which the SDK does not retry) or with its whole call; a
 * completion given up leaves the marker IN_PROGRESS after the work was done, and a duplicate arriving
 * once the lease ends would run it again. Retrying is safe: both statements are fenced on the token.
 */
const FINISH_ATTEMPTS = 5;
const FINISH_BACKOFF = { baseMs: 50, capMs: 400 };

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });
const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export class IdempotencyStore {
  private readonly quoted: string;

  constructor(
    readonly table: string,
    private readonly ttlSeconds: number,
    private readonly client: DynamoDBClient,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = systemClock.sleep,
  ) {
    this.quoted = `"${table.replaceAll('"', '""')}"`;
  }

  /**
   * Claims every id (unique within the call) with a lease ending at `leaseExpiresAtMs`. A request not
   * answered by `deadlineAt` is abandoned: its ids are reported `error` (retried), never waited for.
   */
  async claim(ids: readonly string[], leaseExpiresAtMs: number, deadlineAt = Infinity): Promise<Map<string, ClaimResult>> {
    const results = new Map<string, ClaimResult>();
    const claims = ids.map((id) => ({ id, token: randomUUID(), leaseExpiresAtMs, expiresAt: this.expiresAt() }));
    await Promise.all(
      chunks(claims, STATEMENTS_PER_CALL).map(async (chunk) => {
        const statements = chunk.map<BatchStatementRequest>((c) => ({
          Statement: `INSERT INTO ${this.quoted} VALUE {'id': ?, 'status': ?, 'lease_token': ?, 'lease_expires_at': ?, 'expires_at': ?}`,
          Parameters: [s(c.id), s(IN_PROGRESS), s(c.token), n(c.leaseExpiresAtMs), n(c.expiresAt)],
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }));
        let responses;
        try {
          const command = new BatchExecuteStatementCommand({ Statements: statements });
          responses = (await until(deadlineAt, (abortSignal) => this.client.send(command, { abortSignal }))).Responses ?? [];
        } catch (error) {
          for (const c of chunk) results.set(c.id, { status: 'error', error });
          return;
        }
        await Promise.all(
          chunk.map(async (c, i) => {
            const failure = responses[i]?.Error;
            if (!failure) return results.set(c.id, { status: 'claimed', token: c.token });
            if (failure.Code !== 'DuplicateItem') {
              return results.set(c.id, { status: 'error', error: new Error(`${failure.Code}: ${failure.Message}`) });
            }
            // The existing item decides without another request, when DynamoDB returned it.
            const held = this.holderOf(failure.Item);
            results.set(c.id, held ? { status: held } : await this.takeOver(c, deadlineAt));
          }),
        );
      }),
    );
    return results;
  }

  /**
   * Completes or releases claims, each only if its lease token still matches (fencing). Statements that
   * failed for any reason but the fence are sent again, with backoff, up to FINISH_ATTEMPTS times — never
   * past `deadlineAt` (the lease's end: after it, another delivery may own the record).
   */
  async finish(items: readonly Finish[], deadlineAt = Infinity): Promise<Map<string, FinishResult>> {
    const results = new Map<string, FinishResult>();
    let pending = [...items];
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (this.now() >= deadlineAt) break;
      await this.finishOnce(pending, results, deadlineAt);
      pending = pending.filter((f) => results.get(f.id) === 'error');
      if (pending.length === 0 || attempt >= FINISH_ATTEMPTS) break;
      const delay = backoffDelay(attempt, FINISH_BACKOFF);
      if (this.now() + delay >= deadlineAt) break;
      await this.sleep(delay);
    }
    for (const f of pending) if (!results.has(f.id)) results.set(f.id, 'error');
    return results;
  }

  private async finishOnce(items: readonly Finish[], results: Map<string, FinishResult>, deadlineAt: number): Promise<void> {
    const abortSignal = Number.isFinite(deadlineAt) ? AbortSignal.timeout(Math.max(1, deadlineAt - this.now())) : undefined;
    const expiresAt = this.expiresAt();
    await Promise.all(
      chunks([...items], STATEMENTS_PER_CALL).map(async (chunk) => {
        const statements = chunk.map<BatchStatementRequest>((f) =>
          f.action === 'complete'
            ? {
                Statement: `UPDATE ${this.quoted} SET "status" = ? SET "expires_at" = ? WHERE "id" = ? AND "lease_token" = ?`,
                Parameters: [s(COMPLETED), n(expiresAt), s(f.id), s(f.token)],
              }
            : { Statement: `DELETE FROM ${this.quoted} WHERE "id" = ? AND "lease_token" = ?`, Parameters: [s(f.id), s(f.token)] },
        );
        try {
          const { Responses = [] } = await this.client.send(new BatchExecuteStatementCommand({ Statements: statements }), { abortSignal });
          chunk.forEach((f, i) => {
            const code = Responses[i]?.Error?.Code;
            results.set(f.id, !code ? 'ok' : code === 'ConditionalCheckFailed' ? 'lease_lost' : 'error');
          });
        } catch {
          for (const f of chunk) results.set(f.id, 'error');
        }
      }),
    );
  }

  /** The completion as a transaction item, for committing it together with the handler's own writes. */
  completionWrite(id: string, token: string): TransactWriteItem {
    return {
      Update: {
        TableName: this.table,
        Key: { id: s(id) },
        UpdateExpression: 'SET #status = :completed, expires_at = :expires_at',
        ConditionExpression: 'lease_token = :token',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':completed': s(COMPLETED), ':expires_at': n(this.expiresAt()), ':token': s(token) },
      },
    };
  }

  /**
   * Optimistic mode: the completed marker as a transaction item (or alone, a PutItem), written only if
   * no live marker exists; on refusal ALL_OLD returns the marker that is there.
   */
  markerPut(id: string): TransactWriteItem {
    return {
      Put: {
        TableName: this.table,
        Item: { id: s(id), status: s(COMPLETED), expires_at: n(this.expiresAt()) },
        ...this.absentCondition(),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  /**
   * The live markers among `ids`, in one BatchGetItem per 100, eventually consistent: a marker missed
   * (not yet replicated, throttled, unprocessed, or the read failing) only costs a handler run, since the
   * conditional marker put still refuses a duplicate. Never throws.
   */
  async read(ids: readonly string[], deadlineAt = Infinity): Promise<Map<string, Holder>> {
    const held = new Map<string, Holder>();
    await Promise.all(
      chunks([...ids], KEYS_PER_READ).map(async (chunk) => {
        const command = new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: chunk.map((id) => ({ id: s(id) })) } } });
        try {
          const out = await until(deadlineAt, (abortSignal) => this.client.send(command, { abortSignal }));
          for (const item of out.Responses?.[this.table] ?? []) {
            const holder = this.holderOf(item);
            if (holder && item.id?.S) held.set(item.id.S, holder);
          }
        } catch {
          // unknown: the records run, and the conditional put decides
        }
      }),
    );
    return held;
  }

  /** Who holds an existing marker; undefined when the rules treat it as absent (expired or lease dead). */
  holderOf(item: Record<string, AttributeValue> | undefined): Holder | undefined {
    if (!item) return undefined;
    const now = this.now();
    if (Number(item.expires_at?.N ?? Infinity) < Math.floor(now / 1000)) return undefined;
    if (item.status?.S === COMPLETED) return 'completed';
    if (Number(item.lease_expires_at?.N ?? 0) < now) return undefined;
    return 'in_progress';
  }

  /** One conditional PutItem; on refusal ALL_OLD says who holds it, so a duplicate costs no extra read. */
  private async takeOver(c: { id: string; token: string; leaseExpiresAtMs: number; expiresAt: number }, deadlineAt: number): Promise<ClaimResult> {
    try {
      const command = new PutItemCommand({
        TableName: this.table,
        Item: {
          id: s(c.id),
          status: s(IN_PROGRESS),
          lease_token: s(c.token),
          lease_expires_at: n(c.leaseExpiresAtMs),
          expires_at: n(c.expiresAt),
        },
        ...this.absentCondition(),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      await until(deadlineAt, (abortSignal) => this.client.send(command, { abortSignal }));
      return { status: 'claimed', token: c.token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) return { status: 'error', error };
      // Absent-by-the-rules here means it changed between our two requests: let the retry decide.
      return { status: this.holderOf(error.Item) ?? 'in_progress' };
    }
  }

  private absentCondition() {
    const now = this.now();
    return {
      ConditionExpression: ABSENT_MARKER,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':now': n(Math.floor(now / 1000)), ':now_ms': n(now), ':in_progress': s(IN_PROGRESS) },
    };
  }

  private expiresAt(): number {
    return Math.floor(this.now() / 1000) + this.ttlSeconds;
  }
}
