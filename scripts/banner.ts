// The few lines `npm start` prints once the API and the portal both answer: what a person needs to
// begin (where to click, where things live, who becomes administrator, how to stop).
import os from 'node:os';

export interface Ready {
  event: 'ready';
  service: 'api' | 'web';
  port: number;
  host?: string;
  dataDir?: string;
  storageRoot?: string;
  embeddedDb?: boolean;
}

// A server on every address is reachable at each of this machine's LAN addresses.
function urls(host: string | undefined, port: number): string[] {
  if (host && !['0.0.0.0', '::', ''].includes(host)) return [`http://${host.includes(':') ? `[${host}]` : host}:${port}`];
  const lan = Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => `http://${a!.address}:${port}`);
  return [`http://localhost:${port}`, ...lan];
}

export function banner(api: Ready, web: Ready, settings: NodeJS.ProcessEnv): string {
  const [portal, ...lan] = urls(web.host ?? settings.HOST, web.port);
  const [apiUrl] = urls(settings.HOST, api.port);
  return [
    '',
    'D011DL is ready.',
    `  Open the portal:  ${portal}${lan.length ? `   (from other machines: ${lan.join(', ')})` : ''}`,
    `  API:              ${apiUrl}   (OpenAPI at ${apiUrl}/docs)`,
    `  Models go to:     ${api.storageRoot}`,
    `  Data:             ${api.dataDir}${api.embeddedDb ? ' (database in pg/, secrets)' : ''}`,
    '  The first account you create becomes the administrator.',
    '  Stop with Ctrl-C.',
    '',
  ].join('\n');
}
