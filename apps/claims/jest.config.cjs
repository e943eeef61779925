module.exports = { ...require('../../jest.preset.cjs'), displayName: 'claims', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
