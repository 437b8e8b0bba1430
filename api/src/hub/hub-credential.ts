// Whose Hugging Face token a call to the Hub carries (issue 17): the signed-in user's own, the server's
// HF_TOKEN, or none. Errors and job logs name it; the token itself is never part of a message.

export interface HubCredential {
  token: string | undefined;
  owner: 'user' | 'server' | 'none';
  /** the D011DL user the call is made for, when there is one (a request, a job) */
  userName?: string | undefined;
  userId?: string | undefined;
  /** owner 'user': the Hub account the token belongs to (whoami-v2 when it was saved) */
  hubUser?: string | undefined;
}

export const serverCredential = (token: string | undefined): HubCredential => ({ token, owner: token ? 'server' : 'none' });

/** "alice's Hugging Face token (account alice)", "the server's HF_TOKEN", … for messages and job logs. */
export function describeCredential(c: HubCredential): string {
  if (c.owner === 'user') return `${c.userName ?? 'your'}'s Hugging Face token (account ${c.hubUser ?? 'unknown'})`;
  if (c.owner === 'server') return "the server's Hugging Face token (HF_TOKEN)";
  return 'no Hugging Face token';
}
