// Whether the `hf` CLI here can speak the Xet protocol (huggingface_hub with hf_xet): files the Hub's
// download bridge refuses for their size (docs/hub-protocol.md) can then still be fetched through it.
import { execFile } from 'node:child_process';

const known = new Map<string, Promise<boolean>>();

/** Asks `<cli> env` once per process; false when the CLI is missing or lists hf_xet as N/A. */
export function hasHfXet(cli: string): Promise<boolean> {
  let answer = known.get(cli);
  if (!answer) {
    answer = new Promise<boolean>((resolve) => {
      execFile(cli, ['env'], { timeout: 60_000, env: { ...process.env, HF_HUB_DISABLE_TELEMETRY: '1' } }, (err, stdout) => {
        const version = /^- hf_xet: (.+)$/m.exec(String(stdout ?? ''))?.[1]?.trim();
        resolve(!err && version !== undefined && version !== 'N/A');
      });
    });
    known.set(cli, answer);
  }
  return answer;
}

/** A file the Hub's download bridge refused to serve (400 from the CDN host): only Xet can fetch it. */
export const refusedByBridge = (e: { code: string; httpStatus?: number | undefined }) => e.code === 'HubError' && e.httpStatus === 400;
