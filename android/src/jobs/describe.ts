// The words for a job (what it holds, file states, times, the log tail) live in the contract,
// shared with the portal: import them from '@d011dl/contract'. Only the app's own sets stay here.
export const RUNNING = new Set(['queued', 'running']);
export const FINAL = new Set(['succeeded', 'failed', 'canceled']);
