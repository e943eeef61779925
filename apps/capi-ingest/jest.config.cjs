module.exports = { ...require('../../jest.preset.cjs'), displayName: 'capi-ingest', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
