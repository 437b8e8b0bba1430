import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';

// Prompts without echo on a terminal; reads one line when stdin is a pipe (scripts, tests).
export async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, terminal: false });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    return '';
  }
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) process.stdout.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const answer = rl.question(prompt);
  muted = true;
  const pw = await answer;
  rl.close();
  process.stdout.write('\n');
  return pw;
}
