// courier console: one ES module, no framework, no build. Every value from AWS reaches the page as text
// (textContent, never innerHTML): DLQ bodies and attributes are whatever a producer sent.

const token = document.querySelector('meta[name="courier-token"]').content;
const view = document.getElementById('view');

// ------------------------------------------------------------------ plumbing

/** JSON API call with the token header; a non-2xx answer throws with the server's message and hint. */
async function api(path, { method = 'GET', body } = {}) {
  const res = await fetch(path, {
    method,
    headers: { 'x-courier-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const data = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw Object.assign(new Error(data.error ?? res.statusText), { hint: data.hint, status: res.status });
  return data;
}

/** A URL the browser loads by itself (image, download): the token goes in the query. */
const withToken = (path, params = {}) => `${path}?${new URLSearchParams({ ...params, token })}`;

/** Element builder: h('td', { class: 'n' }, 'text', child). `on<event>` attributes become listeners. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) if (child !== undefined && child !== null && child !== false) el.append(child instanceof Node ? child : String(child));
  return el;
}

const table = (headers, rows, attrs = {}) => h('table', attrs, h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))), h('tbody', {}, rows));
const num = (n) => h('td', { class: 'n' }, n ?? '-');

function age(seconds) {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

const errorBox = (error) =>
  h('div', { class: 'error', role: 'alert' }, h('strong', {}, 'Error: '), error.message, error.hint ? h('div', { class: 'hint' }, `hint: ${error.hint}`) : null);

/** Replaces the view with a page's content, or with the error that stopped it. */
async function show(title, build) {
  const body = h('section', { class: 'page' }, h('h1', {}, title), h('p', { class: 'loading' }, 'loading…'));
  view.replaceChildren(body);
  try {
    const content = await build();
    body.querySelector('.loading')?.remove();
    body.append(...[content].flat(Infinity).filter((x) => x !== null && x !== undefined && x !== false));
  } catch (error) {
    body.querySelector('.loading')?.remove();
    body.append(errorBox(error));
  }
}

let timer;
function every(ms, fn) {
  clearInterval(timer);
  timer = setInterval(fn, ms);
}

// ------------------------------------------------------------------ confirmation dialog with progress

const dialog = document.getElementById('confirm');
const $ = (id) => document.getElementById(id);

/**
 * Asks before an action, runs it on OK and shows its progress and outcome in the same dialog.
 * `act(progress)` returns the text to show when done; closing reloads the current page. Without `ok`
 * the dialog only informs (e.g. the dry run failed).
 */
function confirmAction({ title, body, ok, act }) {
  $('confirm-title').textContent = title;
  $('confirm-body').replaceChildren(...[body].flat());
  $('confirm-result').replaceChildren();
  $('confirm-ok').textContent = ok ?? '';
  $('confirm-ok').hidden = ok === undefined;
  $('confirm-ok').disabled = false;
  $('confirm-cancel').textContent = 'Cancel';
  dialog.querySelector('.progress').hidden = true;
  $('confirm-ok').onclick = async () => {
    $('confirm-ok').disabled = true;
    const progress = (done, total) => {
      dialog.querySelector('.progress').hidden = false;
      $('confirm-progress').max = Math.max(total ?? 1, 1);
      $('confirm-progress').value = done;
      $('confirm-progress-text').textContent = `${done} / ${total ?? '?'}`;
    };
    try {
      const text = await act(progress);
      $('confirm-result').replaceChildren(h('span', { class: 'ok' }, text));
    } catch (error) {
      $('confirm-result').replaceChildren(errorBox(error));
    }
    $('confirm-ok').hidden = true;
    $('confirm-cancel').textContent = 'Close';
  };
  $('confirm-cancel').onclick = () => {
    dialog.close();
    route();
  };
  dialog.showModal();
}

/** Polls a background job until it ends; reports progress on the way. */
async function followJob(job, progress) {
  for (;;) {
    const now = await api(`/api/jobs/${encodeURIComponent(job.id)}`);
    progress(now.done, now.total);
    if (now.state === 'done') return now.result;
    if (now.state === 'failed') throw Object.assign(new Error(now.error.message), { hint: now.error.hint });
    await new Promise((r) => setTimeout(r, 400));
  }
}

// ------------------------------------------------------------------ 1. topology

async function topologyPage() {
  await show('Topology', async () => {
    const t = await api('/api/topology');
    const differences = t.differences.length
      ? h('div', { class: 'warning', id: 'differences' }, h('strong', {}, 'Deployed vs declared: '), h('ul', {}, t.differences.map((d) => h('li', {}, d))))
      : h('p', { class: 'ok', id: 'differences' }, 'Deployed vs declared: no differences (every declared receiver has a deployed consumer, every subscription is declared).');
    return [
      h('p', { class: 'lead' }, `${t.publishers.length} publishing services, ${t.events.length} events on ${t.bus.name}, ${t.consumers.length} consumers. Drawn from the AsyncAPI document and the deployed stacks' outputs.`),
      differences,
      h('figure', {}, h('img', { src: withToken('/api/topology.svg'), alt: 'topology diagram', id: 'topology-diagram' })),
      h('p', {}, 'Download: ', h('a', { href: withToken('/api/topology.svg'), download: 'topology.svg' }, 'SVG'), ' · ', h('a', { href: withToken('/api/topology.mmd'), download: 'topology.mmd' }, 'Mermaid')),
      table(
        ['consumer', 'service', 'receives', 'rule → queue (DLQ) → function', 'standing'],
        t.consumers.map((c) =>
          h(
            'tr',
            { 'data-consumer': c.name, class: c.standing === 'ok' ? '' : 'flag' },
            h('td', {}, c.name),
            h('td', {}, c.service),
            h('td', {}, c.detailTypes.join(', ')),
            h('td', { class: 'mono small' }, c.resources ? `${c.resources.rule} → ${c.resources.queue} (${c.resources.dlq}) → ${c.resources.function}` : 'not deployed'),
            h('td', {}, c.standing),
          ),
        ),
        { id: 'consumers' },
      ),
    ];
  });
}

// ------------------------------------------------------------------ 2. health

async function healthPage() {
  let minutes = 15;
  const holder = h('div', {});
  const stamp = h('span', { class: 'muted', id: 'health-updated' });
  const picker = h(
    'select',
    { id: 'window', onchange: (e) => ((minutes = Number(e.target.value)), refresh()) },
    [5, 15, 60, 240].map((m) => h('option', { value: m, selected: m === minutes }, `last ${m} min`)),
  );
  async function refresh() {
    try {
      const r = await api(`/api/health?minutes=${minutes}`);
      stamp.textContent = `outcomes from the runtime's ${r.outcomesFrom === 'metrics' ? 'CloudWatch metrics' : 'log lines (no metrics on this engine)'}; updated ${new Date(r.at).toLocaleTimeString()}`;
      holder.replaceChildren(
        r.alarmsInAlarm.length
          ? h('div', { class: 'warning' }, h('strong', {}, `${r.alarmsInAlarm.length} alarm(s) in ALARM: `), r.alarmsInAlarm.map((a) => a.name).join(', '))
          : h('p', { class: 'ok' }, 'no alarm in ALARM'),
        table(
          ['consumer', 'service', 'queue', 'in flight', 'oldest', 'DLQ', 'target DLQ', 'processed', 'duplicates', 'retries', 'quarantined', 'alarms'],
          r.consumers.map((c) =>
            h(
              'tr',
              { 'data-consumer': c.consumer, class: c.dlq.depth + c.targetDlq.depth > 0 || c.alarmsInAlarm.length ? 'flag' : '' },
              h('td', {}, c.consumer),
              h('td', {}, c.service),
              num(c.queue.depth),
              num(c.queue.inFlight),
              h('td', { class: 'n' }, c.queue.depth > 0 ? age(c.queue.oldestAgeSeconds) : '-'),
              h('td', { class: 'n' }, c.dlq.depth > 0 ? h('a', { href: '#failed' }, c.dlq.depth) : 0),
              num(c.targetDlq.depth),
              num(c.outcomes.processed),
              num(c.outcomes.duplicate),
              num(c.outcomes.retry),
              num(c.outcomes.quarantined),
              h('td', {}, c.alarmsInAlarm.join(', ') || '-'),
            ),
          ),
          { id: 'health' },
        ),
      );
    } catch (error) {
      holder.replaceChildren(errorBox(error));
    }
  }
  await show('Health', async () => {
    await refresh();
    return [h('p', { class: 'lead' }, 'Per consumer, refreshed every 5 s: ', picker, ' ', stamp), holder];
  });
  every(5000, refresh);
}

// ------------------------------------------------------------------ 3. failed messages

const KIND_MEANING = {
  dlq: 'consumer DLQ: quarantined by the runtime (courier.* reasons) or failed maxReceiveCount times',
  'target-dlq': 'target DLQ: EventBridge could not deliver these events to the queue',
  'relay-dlq': 'relay DLQ: outbox stream batches the relay could not process; nothing to redrive: retry the outbox',
};

function redrive(row, selection, label) {
  const path = `/api/dlqs/${encodeURIComponent(row.owner)}/redrive`;
  const base = { kind: row.kind, ...selection };
  return async () => {
    let dry;
    try {
      dry = await api(path, { method: 'POST', body: { ...base, dryRun: true } });
    } catch (error) {
      return confirmAction({ title: `Redrive ${label}`, body: errorBox(error) });
    }
    const force = h('input', { type: 'checkbox', id: 'force' });
    const guard = dry.guard;
    confirmAction({
      title: `Redrive ${label}`,
      body: [
        h('p', {}, `Move ${dry.wouldMove} message(s) (${dry.selection}) from ${dry.queue.name} back to ${dry.destination.name}.`),
        h('ul', {}, (dry.errorClasses ?? []).map((g) => h('li', {}, `${g.errorClass} × ${g.count}`))),
        guard ? h('p', { class: guard.failing ? 'warning' : 'ok', id: 'guard' }, `Guard: ${guard.verdict}`) : null,
        guard?.failing ? h('label', {}, force, ' redrive anyway (--force): the messages will likely come straight back') : null,
      ],
      ok: 'Redrive',
      act: async (progress) => {
        const job = await api(path, { method: 'POST', body: { ...base, force: force.checked } });
        const r = await followJob(job, progress);
        progress(r.moved, r.moved + r.failed.length);
        return `moved ${r.moved} message(s) (${r.method})${r.failed.length ? `; ${r.failed.length} not moved: ${r.failed.map((f) => f.reason).join('; ')}` : ''}`;
      },
    });
  };
}

function deleteMessage(row, m) {
  return () =>
    confirmAction({
      title: 'Delete message',
      body: [h('p', {}, `Delete ${m.messageId} (${m.errorClass}) from ${row.queueName}? It is gone for good: export it first if it must be kept.`)],
      ok: 'Delete',
      act: async () => {
        const r = await api(`/api/dlqs/${encodeURIComponent(row.owner)}/delete`, { method: 'POST', body: { kind: row.kind, messageId: m.messageId } });
        return `deleted ${r.messageId}`;
      },
    });
}

function messageDetails(row, m) {
  const key = m.businessKey ?? m.eventId;
  let pretty = m.body;
  try {
    pretty = JSON.stringify(JSON.parse(m.body), null, 2);
  } catch {
    // not JSON: shown as it is
  }
  return h(
    'div',
    { class: 'message' },
    h('h4', {}, `message ${m.messageId}`),
    Object.keys(m.attributes ?? {}).length
      ? table(['attribute', 'value'], Object.entries(m.attributes).map(([k, v]) => h('tr', {}, h('td', { class: 'mono' }, k), h('td', {}, v))))
      : h('p', { class: 'muted' }, 'no message attributes: SQS moved it after maxReceiveCount deliveries, the runtime gave no verdict'),
    h('pre', { class: 'body' }, pretty),
    h(
      'p',
      {},
      key ? h('a', { href: `#trace/${encodeURIComponent(key)}` }, `trace ${key}`) : 'no key to trace',
      ' · ',
      h('a', { href: withToken(`/api/dlqs/${encodeURIComponent(row.owner)}/export`, { kind: row.kind, messageId: m.messageId }), download: '' }, 'export JSON'),
    ),
  );
}

function groupSection(row, g) {
  const reasons = new Map();
  for (const m of g.messages) reasons.set(m.errorMessage, (reasons.get(m.errorMessage) ?? 0) + 1);
  const canRedrive = row.kind !== 'relay-dlq';
  return h(
    'section',
    { class: 'group', 'data-error-class': g.errorClass },
    h(
      'h3',
      {},
      h('span', { class: 'error-class' }, g.errorClass),
      ` × ${g.count} `,
      canRedrive ? h('button', { class: 'redrive-group', onclick: redrive(row, { errorClass: g.errorClass }, `${g.errorClass} from ${row.owner}`) }, 'Redrive group') : null,
    ),
    h('ul', { class: 'reasons' }, [...reasons].map(([reason, n]) => h('li', { class: 'reason' }, `reason${n > 1 ? ` (×${n})` : ''}: ${reason}`))),
    table(
      ['detail-type', 'event id', 'key', 'first failed', 'receives', ''],
      g.messages.map((m) => {
        const details = h('tr', { class: 'details', hidden: true }, h('td', { colspan: 6 }, messageDetails(row, m)));
        return [
          h(
            'tr',
            { 'data-message-id': m.messageId },
            h('td', {}, m.detailType ?? '-'),
            h('td', { class: 'mono' }, m.eventId ?? '-'),
            h('td', { class: 'mono' }, m.businessKey ?? '-'),
            h('td', {}, m.firstFailedAt ?? m.sentAt ?? '-'),
            num(m.receiveCount),
            h(
              'td',
              { class: 'actions' },
              h('button', { onclick: () => (details.hidden = !details.hidden) }, 'Open'),
              canRedrive ? h('button', { onclick: redrive(row, { messageId: m.messageId }, `message ${m.messageId}`) }, 'Redrive') : null,
              h('button', { onclick: deleteMessage(row, m) }, 'Delete'),
              h('a', { class: 'button', href: withToken(`/api/dlqs/${encodeURIComponent(row.owner)}/export`, { kind: row.kind, messageId: m.messageId }), download: '' }, 'Export'),
            ),
          ),
          details,
        ];
      }),
    ),
  );
}

async function failedPage() {
  await show('Failed messages', async () => {
    const rows = await api('/api/dlqs');
    updateFailedCount(rows);
    const full = rows.filter((r) => r.depth > 0);
    const shown = await Promise.all(full.map((r) => api(`/api/dlqs/${encodeURIComponent(r.owner)}?kind=${r.kind}`)));
    const all = table(
      ['owner', 'kind', 'depth', 'in flight', 'oldest', 'queue'],
      rows.map((r) => h('tr', { class: r.depth > 0 ? 'flag' : '' }, h('td', {}, r.owner), h('td', {}, r.kind), num(r.depth), num(r.inFlight), h('td', { class: 'n' }, r.depth > 0 ? age(r.oldestAgeSeconds) : '-'), h('td', { class: 'mono' }, r.queueName))),
      { id: 'dlqs' },
    );
    return [
      h('p', { class: full.length ? 'lead' : 'ok' }, full.length ? `${rows.reduce((n, r) => n + r.depth, 0)} message(s) in ${full.length} dead-letter queue(s), grouped by error class.` : 'Every dead-letter queue is empty.'),
      full.map((r, i) => {
        const s = shown[i];
        return h(
          'article',
          { class: 'dlq', 'data-owner': r.owner, 'data-kind': r.kind },
          h(
            'h2',
            {},
            `${r.owner} · ${r.kind} · ${s.depth} message(s) `,
            r.kind !== 'relay-dlq' ? h('button', { class: 'primary redrive-all', onclick: redrive(r, {}, `all of ${r.owner} ${r.kind}`) }, 'Redrive all') : h('a', { href: '#outbox' }, 'retry the outbox'),
          ),
          h('p', { class: 'muted' }, KIND_MEANING[r.kind], s.shown < s.depth ? ` (showing ${s.shown} of ${s.depth})` : ''),
          s.groups.map((g) => groupSection(r, g)),
        );
      }),
      h('details', { open: full.length === 0 }, h('summary', {}, `all ${rows.length} dead-letter queues`), all),
    ];
  });
}

function updateFailedCount(rows) {
  const total = rows.reduce((n, r) => n + r.depth, 0);
  const badge = document.getElementById('failed-count');
  badge.textContent = String(total);
  badge.hidden = total === 0;
}

// ------------------------------------------------------------------ 4. trace

async function tracePage(key) {
  const input = h('input', { type: 'search', name: 'key', id: 'trace-key', placeholder: 'order id or event id', value: key ?? '', size: 44, required: true });
  const form = h('form', { onsubmit: (e) => (e.preventDefault(), (location.hash = `#trace/${encodeURIComponent(input.value.trim())}`)) }, input, ' ', h('button', { class: 'primary' }, 'Trace'));
  await show('Trace', async () => {
    if (!key) return [h('p', { class: 'lead' }, 'The same timeline and diagnosis as courier trace: order state, outbox rows, every consumer\'s record, DLQ messages.'), form];
    const { result, text } = await api(`/api/trace/${encodeURIComponent(key)}`);
    const clear = result.problems.length === 0 && result.events.length > 0;
    return [
      form,
      h('p', { class: `diagnosis ${clear ? 'ok' : 'warning'}`, id: 'diagnosis' }, h('strong', {}, 'diagnosis: '), result.diagnosis),
      result.problems.length > 1 ? h('ul', { class: 'problems' }, result.problems.map((p) => h('li', {}, p))) : null,
      table(
        ['time', '', 'what'],
        result.timeline.map((e) => h('tr', {}, h('td', { class: 'mono time' }, e.at ?? '?'), h('td', {}, e.approximate ? '~' : ''), h('td', {}, e.what))),
        { id: 'timeline' },
      ),
      h('ul', { class: 'notes muted' }, result.notes.map((n) => h('li', {}, `note: ${n}`))),
      h('details', {}, h('summary', {}, 'as courier trace prints it'), h('pre', {}, text)),
    ];
  });
  if (!key) input.focus();
}

// ------------------------------------------------------------------ 5. outbox and failed-message store

function retryButton(label, path, body, describe) {
  return h('button', {
    onclick: () =>
      confirmAction({
        title: label,
        body: h('p', {}, `${label}? This invokes the deployed function and prints its answer.`),
        ok: 'Retry',
        act: async () => describe(await api(path, { method: 'POST', body })),
      }),
  }, 'Retry');
}

async function outboxPage() {
  await show('Outbox & failed-message stores', async () => {
    const [outboxes, failed] = await Promise.all([api('/api/outbox'), api('/api/failed-messages')]);
    return [
      h('h2', {}, 'Transactional outboxes'),
      table(
        ['service', 'pending', 'oldest pending', 'relay DLQ', 'oldest event ids', ''],
        outboxes.map((o) =>
          h(
            'tr',
            { class: (o.oldestPendingAgeSeconds ?? 0) > 120 || o.relayDlqDepth > 0 ? 'flag' : '' },
            h('td', {}, o.service),
            num(o.pending),
            h('td', { class: 'n' }, age(o.oldestPendingAgeSeconds)),
            num(o.relayDlqDepth),
            h('td', { class: 'mono' }, o.oldestPendingEventIds.slice(0, 3).join(' ') || '-'),
            h('td', {}, retryButton(`Republish ${o.service} outbox rows`, '/api/outbox/retry', { service: o.service }, (r) => r.map((x) => `${x.service}: pending ${x.pendingBefore} → ${x.pendingAfter}${x.error ? `; ${x.error}` : ''}`).join('\n'))),
          ),
        ),
        { id: 'outboxes' },
      ),
      h('h2', {}, 'Failed-message stores (fire-and-forget publishes that failed)'),
      failed.length === 0
        ? h('p', { class: 'ok' }, 'No due or parked rows.')
        : table(
            ['service', 'event id', 'detail-type', 'status', 'attempts', 'next attempt / parked', 'error', ''],
            failed.map((f) =>
              h(
                'tr',
                { class: f.status === 'PARKED' ? 'flag' : '' },
                h('td', {}, f.service),
                h('td', { class: 'mono' }, f.eventId),
                h('td', {}, f.detailType ?? '-'),
                h('td', {}, f.status),
                num(f.attempts),
                h('td', {}, f.parkedAt ?? f.nextAttemptAt ?? '-'),
                h('td', {}, f.error),
                h('td', {}, retryButton(`Retry ${f.eventId}`, '/api/failed-messages/retry', { service: f.service, eventId: f.eventId }, (r) => r.map((x) => `${x.service}: made due ${x.madeDue.length}${x.error ? `; ${x.error}` : ''}`).join('\n'))),
              ),
            ),
            { id: 'failed-rows' },
          ),
    ];
  });
}

// ------------------------------------------------------------------ router

const PAGES = { topology: topologyPage, health: healthPage, failed: failedPage, trace: tracePage, outbox: outboxPage };

function route() {
  clearInterval(timer);
  const [name, arg] = location.hash.slice(1).split('/');
  const page = PAGES[name] ?? topologyPage;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.getAttribute('href') === `#${name || 'topology'}`);
  void page(arg === undefined ? undefined : decodeURIComponent(arg));
}

window.addEventListener('hashchange', route);
route();
api('/api/dlqs').then(updateFailedCount, () => {});
