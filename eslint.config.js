// ESLint for the console (web/) and its browser tests: the recommended rules,
// which find real defects (undefined names, unused variables, unreachable
// code); formatting is prettier's (scripts/lint.sh runs both).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["web/vendor/**", "node_modules/**", "build/**"] },
  js.configs.recommended,
  {
    files: ["web/**/*.js"],
    languageOptions: { globals: globals.browser },
  },
  {
    // Node, and functions the tests hand to the page (page.evaluate) run in the browser.
    files: ["tests/browser/**/*.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { globals: globals.node },
  },
];
