/** Vitest config for the CPU benchmarks that load engine modules (`npm run bench:vocab`): the suite's own, other files. */
import base from '../../../../vite.config';

export default {
  ...base,
  test: { ...base.test, include: ['packages/engine/tools/bench/*.bench.ts'], testTimeout: 600_000 },
};
