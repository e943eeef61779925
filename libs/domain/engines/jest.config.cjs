module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'domain-engines', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
