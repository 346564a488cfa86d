import type { EventDefinition } from './define.js';
import { jsonSchemaOf } from './json-schema.js';

type Schema = Record<string, any>;

/**
 * Compares a published JSON Schema with its regenerated successor and lists every change that would
 * break a producer or consumer of the published version: removed fields, changed types, optional made
 * required, new required fields, narrowed enums/consts, tightened bounds or patterns.
 * Loosening (new optional field, wider bounds) is allowed.
 */
export function incompatibilities(published: Schema, next: Schema, path = '$'): string[] {
  const problems: string[] = [];
  const types = (s: Schema) => new Set<string>([s.type ?? []].flat().map(String));
  const was = types(published);
  const now = types(next);
  for (const t of was) {
    // an integer field may become a number (wider); anything else missing is a type change
    if (!now.has(t) && !(t === 'integer' && now.has('number'))) problems.push(`${path}: type ${[...was]} became ${[...now]}`);
  }

  if ('const' in published && (!('const' in next) || next.const !== published.const) && !next.enum?.includes(published.const)) {
    problems.push(`${path}: const ${JSON.stringify(published.const)} changed`);
  }
  if (Array.isArray(published.enum)) {
    const allowed = new Set(next.enum ?? []);
    const lost = next.enum ? published.enum.filter((v: unknown) => !allowed.has(v)) : [];
    if (lost.length) problems.push(`${path}: enum narrowed, removed ${JSON.stringify(lost)}`);
  }

  for (const key of ['minimum', 'exclusiveMinimum', 'minLength', 'minItems']) {
    if (next[key] !== undefined && (published[key] === undefined || next[key] > published[key])) {
      problems.push(`${path}: ${key} tightened from ${published[key] ?? 'none'} to ${next[key]}`);
    }
  }
  for (const key of ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems']) {
    if (next[key] !== undefined && (published[key] === undefined || next[key] < published[key])) {
      problems.push(`${path}: ${key} tightened from ${published[key] ?? 'none'} to ${next[key]}`);
    }
  }
  if (next.pattern !== undefined && next.pattern !== published.pattern) {
    problems.push(`${path}: pattern changed to ${next.pattern}`);
  }
  if (next.format !== undefined && next.format !== published.format) {
    problems.push(`${path}: format changed to ${next.format}`);
  }

  if (published.properties || next.properties) {
    const before = published.properties ?? {};
    const after = next.properties ?? {};
    const requiredBefore = new Set<string>(published.required ?? []);
    const requiredAfter = new Set<string>(next.required ?? []);
    for (const key of Object.keys(before)) {
      if (!(key in after)) problems.push(`${path}.${key}: field removed`);
      else problems.push(...incompatibilities(before[key], after[key], `${path}.${key}`));
    }
    for (const key of requiredAfter) {
      if (!requiredBefore.has(key)) {
        problems.push(`${path}.${key}: ${key in before ? 'optional field made required' : 'new required field'}`);
      }
    }
    if (published.additionalProperties !== false && next.additionalProperties === false) {
      problems.push(`${path}: unknown fields no longer accepted`);
    }
  }
  if (published.items && next.items) problems.push(...incompatibilities(published.items, next.items, `${path}[]`));

  const variants = (s: Schema) => s.anyOf ?? s.oneOf;
  if (variants(published)) {
    const after: Schema[] = variants(next) ?? [next];
    variants(published).forEach((variant: Schema, i: number) => {
      // a published variant must survive as some variant that is compatible with it
      if (!after.some((candidate) => incompatibilities(variant, candidate).length === 0)) {
        problems.push(`${path}: variant ${i} (${JSON.stringify(variant.type ?? variant.format ?? '?')}) no longer accepted`);
      }
    });
  }
  return problems;
}

/** The JSON Schemas a catalog was published with, by detail-type (undefined: never published). */
export type PublishedSchemas = (detailType: string) => Schema | undefined;

/**
 * Every incompatible change of a catalog against its published schemas, as `detail-type: problem`
 * lines; empty when every published version still accepts what it accepted. Unpublished events (new
 * versions) have nothing to break.
 *
 * @example
 * const published = (dt: string) => existsSync(`contracts/${dt}.schema.json`) ? JSON.parse(readFileSync(`contracts/${dt}.schema.json`, 'utf8')) : undefined;
 * const problems = checkCompatibility(catalog, published);
 * if (problems.length > 0) throw new Error(problems.join('\n'));
 */
export function checkCompatibility(catalog: readonly EventDefinition<any, any>[], published: PublishedSchemas): string[] {
  return catalog.flatMap((event) => {
    const before = published(event.detailType);
    return before ? incompatibilities(before, jsonSchemaOf(event)).map((p) => `${event.detailType}: ${p}`) : [];
  });
}
