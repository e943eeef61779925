module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'domain-settlement', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
