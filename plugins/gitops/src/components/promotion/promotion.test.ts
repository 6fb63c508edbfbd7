import { ResponseError } from '@backstage/errors';
import { rollouts, backendError } from '../../__testUtils__/fixtures';
import { diffLineKind } from './DiffView';
import { earlierVersions } from './RollbackDialog';
import { backendMessage, newIdempotencyKey } from './errors';

describe('promotion helpers', () => {
  it('tells the lines of a unified diff apart', () => {
    expect(diffLineKind('--- a/x.yaml')).toBe('meta');
    expect(diffLineKind('+++ b/x.yaml')).toBe('meta');
    expect(diffLineKind('@@ -5,6 +5,6 @@')).toBe('hunk');
    expect(diffLineKind('-    newTag: 1.4.1')).toBe('removed');
    expect(diffLineKind('+    newTag: 1.4.2')).toBe('added');
    expect(diffLineKind('  images:')).toBe('context');
  });

  it('lists the earlier versions of an environment, newest first, without the current one', () => {
    const prodUs = rollouts.filter(r => r.environment === 'prod-us');
    expect(earlierVersions(prodUs, '1.4.1')).toEqual(['1.4.2']);
    const dev = rollouts.filter(r => r.environment === 'dev');
    expect(earlierVersions(dev, '1.5.0-rc.2')).toEqual(['1.4.2', '1.4.1']);
    expect(earlierVersions([], '1.0.0')).toEqual([]);
  });

  it("takes the backend's message out of a ResponseError", async () => {
    const error = await backendError(
      403,
      'Forbidden',
      'NotAllowedError',
      'gitops.promote denied for prod-us',
    );
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.message).toBe('Request failed with 403 Forbidden');
    expect(backendMessage(error)).toBe('gitops.promote denied for prod-us');
    expect(backendMessage(new Error('Failed to fetch'))).toBe(
      'Failed to fetch',
    );
  });

  it('makes idempotency keys the backend accepts, a new one each time', () => {
    const a = newIdempotencyKey();
    const b = newIdempotencyKey();
    expect(a).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
    expect(a).not.toBe(b);
  });
});
