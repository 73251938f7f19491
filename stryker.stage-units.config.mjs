// The mutation config with only the stages' own unit tests (src/execution/stages/*.test.ts): a
// quick score of the stages (about 12 minutes with --concurrency 1) that leaves out what the
// dispatcher suites would kill too, so it is a lower bound of the full run's. See docs/mutation-testing.md.
import base from './stryker.config.mjs';

export default {
  ...base,
  tap: { ...base.tap, testFiles: base.tap.testFiles.filter((f) => f.startsWith('src/execution/stages/')) },
  dryRunTimeoutMinutes: 5,
};
