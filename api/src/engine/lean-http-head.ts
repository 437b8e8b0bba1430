// Status line and header fields of an HTTP/1.1 response, as undici presents them: lower-case names,
// repeated fields as arrays (lean-http.ts).
export interface Head {
  status: number;
  /** HTTP/1.0 closes the connection after the body unless it says keep-alive */
  http10: boolean;
  headers: Record<string, string | string[]>;
}

export function parseHead(text: string): Head {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (!m) throw Object.assign(new Error(`not an HTTP/1.1 response: ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`), { code: 'HPE_INVALID_CONSTANT' });
  const headers: Record<string, string | string[]> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) throw Object.assign(new Error('malformed response header'), { code: 'HPE_INVALID_HEADER_TOKEN' });
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const have = headers[name];
    if (have === undefined) headers[name] = value;
    else if (Array.isArray(have)) have.push(value);
    else headers[name] = [have, value];
  }
  return { status: Number(m[1]), http10: lines[0]!.startsWith('HTTP/1.0'), headers };
}
