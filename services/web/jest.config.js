// Unit tests of the client's pure modules sit beside them in client/src.
const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  testMatch: [...preset.testMatch, '<rootDir>/client/src/**/*.test.ts'],
};
