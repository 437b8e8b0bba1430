// Turns zod's validation issues into sentences a person understands: "Password must be at least 8
// characters", not "body.password: Too small: expected string to have >=8 characters". The machine-readable
// path stays in `details` (error-handler.ts).

export interface Issue {
  instancePath: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

const ACRONYMS: Record<string, string> = { id: 'ID', url: 'URL', sha: 'SHA', sha256: 'SHA-256', oid: 'OID', hf: 'HF' };
const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  bigint: 'a whole number',
  date: 'a date',
};
const WHERE_WORDS: Record<string, string> = { body: 'The request body', querystring: 'The query', params: 'The address', headers: 'The headers' };

const word = (s: string) =>
  s
    .split(/[_\s]+|(?<=[a-z])(?=[A-Z])/)
    .filter(Boolean)
    .map((w) => ACRONYMS[w.toLowerCase()] ?? w.toLowerCase())
    .join(' ');

/** "selection/0/path" → "Selection item 1 path"; an empty path names where the problem is. */
export function fieldWords(instancePath: string, where: string): string {
  const parts = instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `item ${Number(p) + 1}` : word(p)));
  if (!parts.length) return WHERE_WORDS[where] ?? 'The request';
  const s = parts.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const unit = (origin: unknown, n: number) => {
  if (origin === 'string') return n === 1 ? 'character' : 'characters';
  if (origin === 'array' || origin === 'set') return n === 1 ? 'item' : 'items';
  return '';
};

function limit(kind: 'least' | 'most', p: Record<string, unknown>): string {
  const n = Number(kind === 'least' ? p.minimum : p.maximum);
  const u = unit(p.origin, n);
  if (u) return n === 1 && kind === 'least' && p.origin === 'string' ? 'must not be empty' : `must be at ${kind} ${n} ${u}`;
  const strict = p.inclusive === false;
  return kind === 'least' ? `must be ${strict ? 'greater than' : 'at least'} ${n}` : `must be ${strict ? 'less than' : 'at most'} ${n}`;
}

/** zod's default English for one issue as a predicate ("is required"); our own schema messages are kept. */
export function predicate(v: Issue): string {
  const m = v.message ?? '';
  const p = v.params ?? {};
  // messages written in contract/ are already words for people ("must be a UUID")
  if (m && !/^(Invalid|Too (small|big)|Unrecognized|Expected)/.test(m)) return m;
  switch (v.keyword) {
    case 'invalid_type': {
      if (/received undefined/.test(m)) return 'is required';
      const t = String(p.expected ?? '');
      return `must be ${TYPE_WORDS[t] ?? t}`;
    }
    case 'too_small':
      return limit('least', p);
    case 'too_big':
      return limit('most', p);
    case 'invalid_value': {
      const values = Array.isArray(p.values) ? p.values.map(String) : [];
      return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(', ')}`;
    }
    case 'invalid_format': {
      const f = String(p.format ?? '');
      return f === 'regex' ? 'has characters that are not allowed' : `must be a valid ${ACRONYMS[f] ?? f.replace(/_/g, ' ')}`;
    }
    case 'unrecognized_keys': {
      const keys = Array.isArray(p.keys) ? p.keys.map(String) : [];
      return `has ${keys.length === 1 ? 'a field' : 'fields'} this server does not know: ${keys.join(', ')}`;
    }
    case 'invalid_union':
      return 'is not in a form this server understands';
    default:
      return 'is not valid';
  }
}

/** One sentence per issue, field name first. */
export function humanIssue(v: Issue, where: string): string {
  return `${fieldWords(v.instancePath, where)} ${predicate(v)}`;
}
