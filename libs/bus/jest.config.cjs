module.exports = { ...require('../../jest.preset.cjs'), displayName: 'bus', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
