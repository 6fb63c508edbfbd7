module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  rules: {
    // A test-only package, never built or published: it finds the demo
    // backend and the repository root from its own location.
    'no-restricted-syntax': 'off',
    // The kill scenarios assert inside killDuring() and stepScenarios.ts.
    'jest/expect-expect': [
      'warn',
      {
        assertFunctionNames: [
          'expect',
          'killDuring',
          'resumedAfterKill',
          'rolledBackOnceDespiteKills',
        ],
      },
    ],
  },
});
