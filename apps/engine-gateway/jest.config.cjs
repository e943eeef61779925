module.exports = { ...require('../../jest.preset.cjs'), displayName: 'engine-gateway', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
