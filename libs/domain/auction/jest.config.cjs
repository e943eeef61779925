module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'domain-auction', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
