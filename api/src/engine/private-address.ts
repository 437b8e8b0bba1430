// A download redirect is an instruction from the network: a Hub (or something posing as HF_ENDPOINT)
// must not be able to aim the server at its own loopback, the link-local cloud metadata service or
// the private network around it. Such targets are allowed only when HF_ENDPOINT itself is one (a
// mirror or the simulator on the local network), since then the administrator chose it.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

/** Loopback, link-local, private (RFC 1918, unique local, CGNAT) or unspecified. */
export function isPrivateAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) return PRIVATE.check(ip, 'ipv4');
  if (v !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? PRIVATE.check(mapped[1]!, 'ipv4') : PRIVATE.check(ip, 'ipv6');
}

/** Whether a host name or address is, or resolves to, a private address (a name that fails: no). */
export async function isPrivateHost(hostname: string): Promise<boolean> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isPrivateAddress(host);
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  try {
    return (await lookup(host, { all: true })).some((a) => isPrivateAddress(a.address));
  } catch {
    return false;
  }
}

const endpointIsPrivate = new Map<string, Promise<boolean>>();

/** Why the redirect to `next` is refused, or null when it may be followed. */
export async function refusedRedirect(next: URL, hubOrigin: string): Promise<string | null> {
  if (next.protocol !== 'https:' && next.protocol !== 'http:') return `a redirect to a ${next.protocol} URL`;
  if (!(await isPrivateHost(next.hostname))) return null;
  const hub = new URL(hubOrigin);
  let allowed = endpointIsPrivate.get(hub.hostname);
  if (!allowed) endpointIsPrivate.set(hub.hostname, (allowed = isPrivateHost(hub.hostname)));
  if (await allowed) return null;
  return `a redirect to ${next.host}, a loopback, link-local or private address (allowed only when HF_ENDPOINT itself is one)`;
}
