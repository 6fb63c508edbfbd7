module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  rules: {
    // openapi.test.ts asserts through expectValid(operationId, status, body).
    'jest/expect-expect': [
      'warn',
      { assertFunctionNames: ['expect', 'expectValid'] },
    ],
  },
});
