import { describe, expect, it } from 'vitest';
import { stackNames } from '../../../bin/cli/local/deploy';

describe('courier local deploy --stack', () => {
  it('adds the stage prefix where it is missing and keeps full names', () => {
    expect(stackNames(['CourierInventory', 'b-CourierMessaging'], 'b')).toEqual(['b-CourierInventory', 'b-CourierMessaging']);
    expect(stackNames(['dev-ShippingMessaging'], undefined)).toEqual(['dev-ShippingMessaging']);
  });

  it('refuses an empty selection rather than deploying nothing', () => {
    expect(() => stackNames([], 'b')).toThrow(/no stacks named/);
  });
});
