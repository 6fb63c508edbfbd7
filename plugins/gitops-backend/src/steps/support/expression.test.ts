import { compileExpression, expressionProblem } from './expression';

const health = {
  status: 'ok',
  version: '1.4.2',
  latencyMs: 212,
  checks: { db: true, cache: false },
  items: [{ name: 'a' }, { name: 'b' }],
  'odd key': 1,
};

function holds(source: string, root: unknown = health): boolean {
  return compileExpression(source).evaluate(root, {
    version: '1.4.2',
    service: 'guestbook',
    environment: 'staging',
  }).ok;
}

describe('compileExpression', () => {
  it('compares paths of a JSON body with literals', () => {
    expect(holds('$.status == "ok"')).toBe(true);
    expect(holds('$.status != "ok"')).toBe(false);
    expect(holds('$.checks.db == true')).toBe(true);
    expect(holds('$.checks.cache == true')).toBe(false);
    expect(holds('$.latencyMs < 300')).toBe(true);
    expect(holds('$.latencyMs >= 300')).toBe(false);
    expect(holds('$.items[1].name == "b"')).toBe(true);
    expect(holds('$["odd key"] == 1')).toBe(true);
    expect(holds('$.checks.missing == null')).toBe(false);
  });

  it('combines comparisons with and, or, not and parentheses', () => {
    expect(holds('$.status == "ok" and $.latencyMs < 300')).toBe(true);
    expect(holds('$.status == "ok" && $.latencyMs < 100')).toBe(false);
    expect(holds('$.latencyMs < 100 or $.checks.db == true')).toBe(true);
    expect(holds('not ($.status == "ok")')).toBe(false);
    expect(holds('!($.latencyMs > 1000) || $.x == 1')).toBe(true);
    expect(
      holds('($.latencyMs < 100 or $.latencyMs < 300) and $.checks.db == true'),
    ).toBe(true);
  });

  it('compares the root value (a Prometheus sample) and the variables', () => {
    expect(holds('$ < 0.01', 0.005)).toBe(true);
    expect(holds('$ < 0.01', 0.2)).toBe(false);
    expect(holds('$ < 0.01', NaN)).toBe(false);
    expect(holds('$ > -1.5e3', -1)).toBe(true);
    expect(holds('$.version == version')).toBe(true);
    expect(holds('$.version != version')).toBe(false);
  });

  it('never coerces: strings are not numbers, missing compares false', () => {
    expect(holds('$.v == 1', { v: '1' })).toBe(false);
    expect(holds('$.v < 2', { v: '1' })).toBe(false);
    expect(holds('$.v != 1', {})).toBe(false);
    expect(holds('$.a.b == 1', { a: 'text' })).toBe(false);
    expect(holds('$[0] == 1', { 0: 1 })).toBe(false);
    // Inherited properties are not part of the body.
    expect(holds('$.constructor != null', {})).toBe(false);
  });

  it('reports what the paths held', () => {
    const r = compileExpression(
      '$.status == "ok" and $.latencyMs < 100 or $.nope == 1',
    ).evaluate(health);
    expect(r).toEqual({
      ok: false,
      observed: '$.status is "ok", $.latencyMs is 212, $.nope is missing',
    });
  });

  it.each([
    ['$.status = "ok"', 'use "==" to compare at character 10'],
    ['$.status == ok', 'unknown name "ok"'],
    ['$.status', 'expected a comparison (==, !=, <, <=, >, >=) after $.status'],
    ['$.status == "ok', 'unterminated string at character 13'],
    ['($.a == 1', 'expected ")"'],
    ['$.a == 1 $.b == 2', 'unexpected $.b at character 10'],
    ['$. == 1', 'expected a name after "."'],
    ['$[x] == 1', 'expected an index or a "string" inside [ ]'],
    ['process == 1', 'unknown name "process"'],
    ['process.exit() == 1', 'unexpected "." at character 8'],
    ['$.a == `x`', 'unexpected "`"'],
    ['', 'expected a path ($…), a value or a variable, found the end'],
  ])('refuses %j: %s', (source, message) => {
    expect(expressionProblem(source)).toContain(message);
  });

  it('bounds the source and its nesting', () => {
    expect(expressionProblem(`$.a == "${'x'.repeat(1000)}"`)).toBe(
      'is longer than 1000 characters',
    );
    expect(
      expressionProblem(`${'('.repeat(40)}$.a == 1${')'.repeat(40)}`),
    ).toMatch(/too deeply nested/);
    expect(expressionProblem(`${'not '.repeat(40)}$.a == 1`)).toMatch(
      /too deeply nested/,
    );
  });
});
