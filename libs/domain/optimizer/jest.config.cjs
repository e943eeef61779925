module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'domain-optimizer', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
