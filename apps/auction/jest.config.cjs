module.exports = { ...require('../../jest.preset.cjs'), displayName: 'auction', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
