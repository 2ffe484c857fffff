// Merged into pcf-scripts' webpack configuration (feature "pcfAllowCustomWebpack", switched on by
// controls/pcf.cjs from pcf.config.json). One change only: the engine's data-heavy libraries
// (public-suffix list, phone metadata, rule-pack schema validator) are not bundled; the panel reads
// them from the web resource vit_/scripts/vitals.libs.js (plugins-ts/engine/engineLibs.browser.ts).
"use strict";
const { NormalModuleReplacementPlugin } = require("webpack");

module.exports = {
  plugins: [
    new NormalModuleReplacementPlugin(/[\\/]engineLibs$/, (resource) => {
      resource.request = `${resource.request}.browser`;
    }),
  ],
};
