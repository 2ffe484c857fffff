// One jest configuration, two projects: "node" for everything that runs outside a browser,
// "dom" (jsdom) for React components and web resources. Browser tests (real Chromium) live in
// test/browser and run in the node project.
const swc = ["@swc/jest", { jsc: { parser: { syntax: "typescript", tsx: true }, transform: { react: { runtime: "classic" } }, target: "es2022" }, module: { type: "commonjs" } }];
// ESM-only packages that jest must transpile.
const esmPackages = [].join("|");
const common = {
  transform: { "^.+\\.(t|j|mj)sx?$": swc },
  transformIgnorePatterns: esmPackages ? [`/node_modules/(?!(${esmPackages})/)`] : ["/node_modules/"],
  moduleFileExtensions: ["ts", "tsx", "js", "cjs", "mjs", "json"],
  setupFilesAfterEnv: ["<rootDir>/test/helpers/setup.ts"],
};
module.exports = {
  testTimeout: 60000,
  projects: [
    { ...common, displayName: "node", testEnvironment: "node", testMatch: ["<rootDir>/test/**/*.test.ts", "<rootDir>/{plugins-ts,sandbox,solution,bench}/**/*.test.ts"] },
    { ...common, displayName: "dom", testEnvironment: "jsdom", testMatch: ["<rootDir>/test/**/*.test.tsx", "<rootDir>/controls/**/*.test.{ts,tsx}"] },
  ],
};
