// Whether tests of the official `hf` CLI run here: skipped without it, unless REQUIRE_HF_CLI=1 (CI), where
// a missing CLI must fail the test rather than hide it.
import { spawnSync } from 'node:child_process';

const missing = spawnSync('hf', ['--help']).status !== 0;

/** The `skip` option of a test that needs the `hf` CLI. */
export const hfCliSkip: string | false = missing && process.env.REQUIRE_HF_CLI !== '1' ? 'hf CLI not installed (pip install huggingface_hub)' : false;
