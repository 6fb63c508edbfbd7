import {
  renderJson,
  renderTemplate,
  renderUrl,
  templateProblem,
  templateSecrets,
  TemplateValues,
} from './templates';

const values: TemplateValues = {
  environment: 'staging',
  'environment.name': 'staging',
  'environment.url': 'https://staging.guestbook.example.com/',
  service: 'guestbook ui',
  version: 'v1.2.3+build/7',
  'action.id': '42',
};

describe('templates', () => {
  it('keeps {environment.url} as the base and encodes every other value', () => {
    expect(
      renderUrl(
        '{environment.url}/healthz/{service}?version={version}&env={environment.name}',
        values,
      ),
    ).toBe(
      'https://staging.guestbook.example.com/healthz/guestbook%20ui?version=v1.2.3%2Bbuild%2F7&env=staging',
    );
    // Elsewhere than at the start, even the environment URL is a value.
    expect(
      renderUrl('https://probe.example.com/?target={environment.url}', values),
    ).toBe(
      'https://probe.example.com/?target=https%3A%2F%2Fstaging.guestbook.example.com%2F',
    );
  });

  it('resolves secrets only through the given function, naming a missing one', () => {
    const secret = (name: string) =>
      name === 'smoke-token' ? 'tok-123456' : undefined;
    expect(
      renderTemplate('Bearer {secret:smoke-token}', values, { secret }),
    ).toBe('Bearer tok-123456');
    expect(() =>
      renderTemplate('Bearer {secret:other}', values, { secret }),
    ).toThrow('secret "other" is not configured (gitops.steps.secrets.other)');
    expect(templateSecrets('{secret:a} and {secret:b.c}')).toEqual([
      'a',
      'b.c',
    ]);
  });

  it('says which placeholder has no value', () => {
    expect(() =>
      renderUrl('{environment.url}/x', {
        ...values,
        'environment.url': undefined,
      }),
    ).toThrow(
      '{environment.url} is used but environment "staging" has no url in the pipeline file',
    );
  });

  it('fills the strings of a JSON body, and only them', () => {
    expect(
      renderJson(
        {
          text: '{service} {version}',
          tags: ['deploy', '{environment}'],
          n: 1,
        },
        values,
      ),
    ).toEqual({
      text: 'guestbook ui v1.2.3+build/7',
      tags: ['deploy', 'staging'],
      n: 1,
    });
  });

  it('validates placeholders, and secrets only where allowed', () => {
    expect(templateProblem('{environment.url}/{service}')).toBeUndefined();
    expect(templateProblem('{"json": true}')).toBeUndefined();
    expect(templateProblem('{enviroment.url}/x')).toMatch(
      /^has an unknown placeholder \{enviroment\.url\} \(known: \{environment\}/,
    );
    expect(templateProblem('{secret:token}')).toBe(
      'may not use {secret:token}: secrets are allowed in headers only',
    );
    expect(
      templateProblem('{secret:token}', { secrets: true }),
    ).toBeUndefined();
    expect(templateProblem('{secret:}', { secrets: true })).toContain(
      'bad secret name',
    );
    expect(templateProblem('{service:x}')).toContain('unknown placeholder');
  });
});
