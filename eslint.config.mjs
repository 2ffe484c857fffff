// The one lint configuration of the project: type-checked typescript-eslint everywhere,
// plus Microsoft's Power Apps checker rules for code that runs inside Dynamics
// (controls and web resources). pcf-scripts' build lint reads this file too.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import powerApps from "@microsoft/eslint-plugin-power-apps";
import promise from "eslint-plugin-promise";
import globals from "globals";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "out/**",
      "dist/**",
      "**/generated/**",
      "test-artifacts/**",
      "bench/tmp/**",
      "coverage/**",
    ],
  },
  js.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx"],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node, ...globals.browser, ComponentFramework: "readonly", Xrm: "readonly" },
    },
    plugins: { promise },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "promise/catch-or-return": ["error", { allowFinally: true }],
      "promise/no-return-wrap": "error",
      "eqeqeq": ["error", "always", { null: "ignore" }],
    },
  },
  {
    // Code that runs inside Dynamics 365: the Power Apps checker's rules apply.
    files: ["controls/**/*.{ts,tsx}", "plugins-ts/webresources/**/*.{ts,tsx}"],
    plugins: { "@microsoft/power-apps": powerApps },
    rules: { ...powerApps.configs.paCheckerHosted.rules },
  },
  {
    // Imports run one way: controls → plugins-ts, sandbox → plugins-ts. Product code reaches the
    // emulator, the Graph stand-in and the sandbox host only by a lazy `import()` behind --demo
    // (types may be imported: they vanish at build time).
    files: ["plugins-ts/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/sandbox", "**/sandbox/**"], allowTypeImports: true, message: "product code reaches the sandbox only by a lazy import() behind --demo" },
            { group: ["**/controls", "**/controls/**"], allowTypeImports: true, message: "imports run controls → plugins-ts, never back" },
          ],
        },
      ],
    },
  },
  {
    // Code that runs in the browser (the panel, the form script, the Governance Center, the engine
    // and the gateway they bundle): no Node globals. A browser has no setImmediate, Buffer or process;
    // code shared with Node checks `globalThis` for them first.
    files: ["controls/**/*.{ts,tsx}", "plugins-ts/webresources/**/*.{ts,tsx}", "plugins-ts/client/**/*.ts", "plugins-ts/engine/**/*.ts", "plugins-ts/dataverse/**/*.ts"],
    // Build scripts and sign-in (Node only) are not bundled for the browser.
    ignores: ["**/*.test.{ts,tsx}", "plugins-ts/webresources/**/build.ts", "plugins-ts/dataverse/auth.ts"],
    rules: {
      "no-restricted-globals": [
        "error",
        { name: "setImmediate", message: "browsers have no setImmediate: use globalThis.setImmediate behind a check, or setTimeout" },
        { name: "Buffer", message: "browsers have no Buffer: use TextEncoder / Uint8Array" },
        { name: "process", message: "browsers have no process: pass configuration in" },
      ],
    },
  },
  {
    files: ["test/**/*.{ts,tsx}", "**/*.test.{ts,tsx}"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/unbound-method": "off",
    },
  },
  {
    files: ["**/*.{js,cjs,mjs}"],
    languageOptions: { globals: { ...globals.node }, sourceType: "commonjs" },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { sourceType: "module" },
  },
);
