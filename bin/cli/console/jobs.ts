import { randomUUID } from 'node:crypto';

/** A long action (a redrive) the page starts and then polls for progress. */
export interface Job {
  id: string;
  what: string;
  state: 'running' | 'done' | 'failed';
  done: number;
  total?: number;
  startedAt: string;
  finishedAt?: string;
  result?: unknown;
  error?: { message: string; hint?: string };
}

/** Jobs kept for polling; the oldest finished ones are forgotten beyond this. */
const KEEP = 50;

/**
 * Runs actions in the background and keeps their progress and outcome for the page to poll.
 *
 * @example
 * const job = jobs.start('redrive points-ledger', (progress) => dlqRedrive(ctx, 'points-ledger', { onProgress: progress }));
 */
export class Jobs {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly describeError: (error: unknown) => { message: string; hint?: string }) {}

  start(what: string, run: (progress: (done: number, total: number) => void) => Promise<unknown>): Job {
    const job: Job = { id: randomUUID(), what, state: 'running', done: 0, startedAt: new Date().toISOString() };
    this.jobs.set(job.id, job);
    this.forgetOld();
    run((done, total) => Object.assign(job, { done, total }))
      .then((result) => Object.assign(job, { state: 'done', result }))
      .catch((error: unknown) => Object.assign(job, { state: 'failed', error: this.describeError(error) }))
      .finally(() => (job.finishedAt = new Date().toISOString()));
    return job;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((j) => j.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, this.jobs.size - KEEP))) this.jobs.delete(j.id);
  }
}
