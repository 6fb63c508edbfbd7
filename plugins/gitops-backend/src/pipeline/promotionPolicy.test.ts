import { createDefaultLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { TWO_STAGE_PIPELINE } from '../testing/GitRepoFixture';
import { parsePipeline } from './parsePipeline';
import { parseDurationSeconds, parsePromotionPolicy } from './promotionPolicy';

describe('promotion policy of an environment', () => {
  it('reads durations', () => {
    expect(parseDurationSeconds('90s')).toBe(90);
    expect(parseDurationSeconds('10m')).toBe(600);
    expect(parseDurationSeconds('2h')).toBe(7200);
    expect(parseDurationSeconds('1d')).toBe(86400);
    expect(parseDurationSeconds('10 minutes')).toBeUndefined();
  });

  it('defaults to a pull request without approvals', () => {
    expect(parsePromotionPolicy({})).toEqual({
      mode: 'pull-request',
      approvals: 0,
    });
  });

  it('reads a full policy', () => {
    expect(
      parsePromotionPolicy({
        mode: 'direct',
        approvals: 2,
        approverGroup: 'group:default/release-managers',
        soakTime: '30m',
        autoPromoteAfter: '10m',
        freezeWindows: [{ days: ['sat', 'sun'], reason: 'weekend' }],
      }),
    ).toEqual({
      mode: 'direct',
      approvals: 2,
      approverGroup: 'group:default/release-managers',
      soakTimeSeconds: 1800,
      autoPromoteAfterSeconds: 600,
      freezeWindows: [{ days: ['sat', 'sun'], reason: 'weekend' }],
    });
  });

  it('names the bad key', () => {
    expect(parsePromotionPolicy({ approvals: -1 })).toMatch(/^approvals /);
    expect(parsePromotionPolicy({ soakTime: 'a while' })).toMatch(
      /soakTime must be a duration/,
    );
    expect(parsePromotionPolicy({ approver: 'x' })).toMatch(/approver/);
    expect(
      parsePromotionPolicy({
        freezeWindows: [{ from: '2026-12-24T00:00:00Z' }],
      }),
    ).toMatch(/give days, or from and to/);
  });

  it('is part of the pipeline file, with file:line errors on the one environment', () => {
    const withPolicy = TWO_STAGE_PIPELINE.replace(
      '    prod-us:\n      cluster: prod-us-cluster\n',
      '    prod-us:\n      cluster: prod-us-cluster\n      promotion:\n        approvals: 1\n        soakTime: 1h\n',
    ).replace(
      '    prod-eu:\n      cluster: prod-eu-cluster\n',
      '    prod-eu:\n      cluster: prod-eu-cluster\n      promotion:\n        approvals: many\n',
    );
    const parsed = parsePipeline(
      withPolicy,
      'gitops-pipeline.yaml',
      createDefaultLocatorRegistry(),
    );
    const prodUs = parsed.definition!.environments.find(
      e => e.name === 'prod-us',
    )!;
    expect(prodUs.promotion).toEqual({
      mode: 'pull-request',
      approvals: 1,
      soakTimeSeconds: 3600,
    });
    expect(parsed.environmentErrors['prod-eu']).toMatchObject({
      file: 'gitops-pipeline.yaml',
      message: expect.stringMatching(
        /^promotion of environment "prod-eu": approvals /,
      ),
    });
    expect(parsed.environmentErrors['prod-eu'].line).toBeGreaterThan(20);
    expect(parsed.environmentErrors['prod-us']).toBeUndefined();
  });
});
