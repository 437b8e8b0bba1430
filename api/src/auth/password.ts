import { bcryptPool } from './bcrypt-pool.ts';

export const hashPassword = async (password: string, rounds: number) => (await bcryptPool.run({ op: 'hash', password, cost: rounds })) as string;
export const verifyPassword = async (password: string, passwordHash: string) =>
  (await bcryptPool.run({ op: 'verify', password, hash: passwordHash })) as boolean;

// Compared against when the username does not exist, so an unknown user costs the same time as a
// wrong password and login timing does not reveal which usernames exist.
let dummyHash: Promise<string> | null = null;
export function dummyPasswordHash(rounds: number): Promise<string> {
  dummyHash ??= hashPassword('d011dl-no-such-user', rounds);
  return dummyHash;
}
