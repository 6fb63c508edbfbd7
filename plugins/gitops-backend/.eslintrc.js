module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  rules: {
    // Tests share assertion helpers named expect*(…).
    'jest/expect-expect': [
      'error',
      { assertFunctionNames: ['expect', 'expect*'] },
    ],
  },
});
