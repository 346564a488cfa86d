import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../functions/events/catalog';
import { services } from '../../functions/events/services';
import { CONTRACTS_DIR, renderContracts } from '../../scripts/contracts/render';

describe('committed contracts', () => {
  const rendered = renderContracts();

  it('match the catalog (run `npm run contracts` after changing an event)', () => {
    const committed = readdirSync(CONTRACTS_DIR).map((f) => `${CONTRACTS_DIR}/${f}`).sort();
    expect(committed).toEqual([...rendered.keys()].sort());
    for (const [path, content] of rendered) expect(readFileSync(path, 'utf8'), path).toBe(content);
  });

  it('describe the bus in AsyncAPI 3 with every event and who sends or receives it', () => {
    const doc = JSON.parse(rendered.get(`${CONTRACTS_DIR}/asyncapi.json`)!);
    expect(doc.asyncapi).toBe('3.0.0');
    const addresses = Object.values<any>(doc.channels).map((c) => c.address);
    expect(addresses.sort()).toEqual(catalog.map((e) => e.detailType).sort());
    const operations = Object.values<any>(doc.operations);
    for (const event of catalog) {
      const channel = Object.keys(doc.channels).find((k) => doc.channels[k].address === event.detailType);
      const on = operations.filter((o) => o.channel.$ref === `#/channels/${channel}`);
      expect(on.some((o) => o.action === 'send'), `${event.detailType} has a publisher`).toBe(true);
      expect(on.some((o) => o.action === 'receive'), `${event.detailType} has a consumer`).toBe(true);
    }
    // every $ref resolves inside the document
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const pointer = JSON.parse(`{${ref}}`).$ref.slice(2).split('/');
      expect(pointer.reduce((node: any, key: string) => node?.[key], doc), ref).toBeDefined();
    }
  });

  it('publish each event from the service that owns its source', () => {
    for (const [service, contract] of Object.entries(services)) {
      for (const event of contract.publishes) expect(event.source).toBe(`courier.${service}`);
    }
  });
});
