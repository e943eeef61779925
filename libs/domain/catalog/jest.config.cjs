module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'domain-catalog', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
