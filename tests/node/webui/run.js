// run.js - the web UI's browser tests, run by tests/integration/webui.sh
// against a control plane it set up: the user journey, the admin journey,
// security, then two checks over every page visited: the CSP on every
// HTML answer and no serious or critical axe-core violation.  Prints one
// JSON line per check; exits non-zero if one failed.
'use strict';
const {
  base, check, report, launch, a11y, seenHtml, done,
} = require('./lib');

(async () => {
  const browser = await launch();
  try {
    for (const part of ['./user', './admin', './security', './looks']) {
      try {
        await require(part)(browser);
      } catch (e) {
        report(false, `${part}: stopped`, e && e.stack ? e.stack : e);
      }
    }
    await check('every HTML answer of the site had the CSP (scripts from files only), frame-ancestors \'none\' and X-Frame-Options', async () => {
      const ours = seenHtml.filter(([u]) => u.startsWith(base));
      const bad = ours.filter(([, csp, xfo]) => !/script-src 'self'/.test(csp) || /unsafe-/.test(csp) ||
        !/frame-ancestors 'none'/.test(csp) || xfo !== 'DENY');
      if (!ours.length || bad.length) throw new Error(`${ours.length} pages, without: ${bad.map((b) => b[0]).join(' ')}`);
      return `${ours.length} HTML answers`;
    });
    for (const [name, violations] of a11y) {
      report(violations.length === 0, `accessibility (axe-core): no serious or critical violation on ${name}`,
        violations.join('\n'));
    }
  } finally {
    await browser.close();
  }
  process.exit(done() ? 1 : 0);
})();
