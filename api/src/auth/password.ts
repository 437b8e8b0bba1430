import { compare, hash } from '@node-rs/bcrypt';

export const hashPassword = (password: string, rounds: number) => hash(password, { cost: rounds });
export const verifyPassword = (password: string, passwordHash: string) => compare(password, passwordHash);

// Compared against when the username does not exist, so an unknown user costs the same time as a
// wrong password and login timing does not reveal which usernames exist.
let dummyHash: Promise<string> | null = null;
export function dummyPasswordHash(rounds: number): Promise<string> {
  dummyHash ??= hash('d011dl-no-such-user', { cost: rounds });
  return dummyHash;
}
