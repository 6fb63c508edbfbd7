import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import {
  gitopsEnvironmentManagePermission,
  gitopsPromotePermission,
  gitopsReadPermission,
} from '@gitops2/plugin-gitops-common';
import { DemoPermissionPolicy } from './permissionPolicy';

const user = (name: string, groups: string[]) =>
  ({
    identity: {
      type: 'user',
      userEntityRef: `user:default/${name}`,
      ownershipEntityRefs: [`user:default/${name}`, ...groups],
    },
    info: {
      userEntityRef: `user:default/${name}`,
      ownershipEntityRefs: [`user:default/${name}`, ...groups],
    },
    token: 'token',
    credentials: {} as any,
  } as any);

/** The catalog's own read permission (plugin-catalog-common), as it asks. */
const catalogEntityReadPermission = createPermission({
  name: 'catalog.entity.read',
  attributes: { action: 'read' },
  resourceType: 'catalog-entity',
});

const guest = user('guest', [
  'group:default/guests',
  'group:default/guestbook-team',
]);
const rita = user('release-manager', ['group:default/release-managers']);
const visitor = user('visitor', ['group:default/visitors']);

describe('the demo permission policy', () => {
  const policy = new DemoPermissionPolicy();

  it('lets the guestbook team and the release managers read the guestbook system', async () => {
    for (const who of [guest, rita]) {
      expect(
        await policy.handle({ permission: catalogEntityReadPermission }, who),
      ).toEqual({ result: AuthorizeResult.ALLOW });
    }
  });

  it('hides the guestbook system from the visitor; gitops.read stays allowed, writes denied', async () => {
    expect(
      await policy.handle({ permission: catalogEntityReadPermission }, visitor),
    ).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      resourceType: 'catalog-entity',
      conditions: {
        not: {
          rule: 'HAS_SPEC',
          resourceType: 'catalog-entity',
          params: { key: 'system', value: 'guestbook' },
        },
      },
    });
    expect(
      await policy.handle({ permission: gitopsReadPermission }, visitor),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    expect(
      await policy.handle({ permission: gitopsPromotePermission }, visitor),
    ).toEqual({ result: AuthorizeResult.DENY });
  });

  it('lets only the release managers add or retire environments', async () => {
    const manage = { permission: gitopsEnvironmentManagePermission };
    expect(await policy.handle(manage, rita)).toEqual({
      result: AuthorizeResult.ALLOW,
    });
    for (const who of [guest, visitor, undefined]) {
      expect(await policy.handle(manage, who)).toEqual({
        result: AuthorizeResult.DENY,
      });
    }
  });
});
