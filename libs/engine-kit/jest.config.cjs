module.exports = { ...require('../../jest.preset.cjs'), displayName: 'engine-kit', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
