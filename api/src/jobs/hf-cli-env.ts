// The environment of every `hf` (huggingface_hub) process D011DL starts: production's DOWNLOAD_ENGINE=hf,
// the benchmark's `hf` runs and the simulator's fidelity tests, so that what is measured and tested is
// what runs.

export interface HfCliEnvOptions {
  /** HF_ENDPOINT: the Hub (or the simulator) */
  endpoint: string;
  /** HF_HOME: hf's own cache and settings, kept out of the user's home */
  hfHome: string;
  /** the token to send; none: hf must not find one of its own either */
  token?: string | undefined;
  /** let hf use Xet: only for files the download bridge refuses (jobs/hf-xet.ts) */
  xet?: boolean | undefined;
  /** what the process inherits apart from HF settings (default: this process's environment) */
  base?: NodeJS.ProcessEnv;
}

/**
 * Every HF_* and HUGGING_FACE_* variable of the parent is dropped, deliberately, in production too:
 * D011DL's own settings decide the Hub, the token and the cache. An inherited HF_HUB_OFFLINE=1 would
 * make `hf download` answer from a cache instead of the Hub (failing, or "succeeding" with what is
 * already on disk); HF_HUB_ENABLE_HF_TRANSFER=1 swaps in an optional Rust downloader that is not
 * installed by default; HF_TOKEN, HUGGING_FACE_HUB_TOKEN or HF_TOKEN_PATH would send another account's
 * token. Xet is off unless asked for, because the transfer must go through the HTTP resolve route that
 * D011DL's own engine and the simulator speak (docs/hub-protocol.md#xet); the rest keeps hf quiet and offline
 * from anything but the Hub.
 */
export function hfCliEnv(o: HfCliEnvOptions): NodeJS.ProcessEnv {
  const base = Object.entries(o.base ?? process.env).filter(([k]) => !k.startsWith('HF_') && !k.startsWith('HUGGING_FACE_'));
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(base),
    HF_ENDPOINT: o.endpoint,
    HF_HOME: o.hfHome,
    HF_HUB_DISABLE_TELEMETRY: '1',
    HF_HUB_DISABLE_UPDATE_CHECK: '1',
    // tqdm redraws cost CPU and write nothing anyone reads
    HF_HUB_DISABLE_PROGRESS_BARS: '1',
  };
  if (!o.xet) env.HF_HUB_DISABLE_XET = '1';
  // the token goes through the environment, never the command line (which other users can read in `ps`)
  if (o.token) env.HF_TOKEN = o.token;
  else env.HF_HUB_DISABLE_IMPLICIT_TOKEN = '1';
  return env;
}
