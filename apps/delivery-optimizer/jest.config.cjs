module.exports = { ...require('../../jest.preset.cjs'), displayName: 'delivery-optimizer', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
