// The jobs list's JSON (/api/jobs, fetched by public/joblist.js on each /api/jobs-events event), its filters, and where Pause/Resume
// lead back to, against the real API and hub simulator.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitForStatus } from '../../api/test/helpers/downloads.ts';
import { Browser, startStack, type Stack } from './helpers/stack.ts';

type Row = { id: string; status: string; holds: string | null; log?: string };

describe('the jobs list', () => {
  let s: Stack;
  let b: Browser;
  let id: string;
  before(async () => {
    s = await startStack();
    b = new Browser(s.webUrl);
    assert.equal((await b.post('/register', { username: 'alice', password: 'correct horse battery' }, '/register')).status, 303);
    const home = await b.get(`/?${new URLSearchParams({ url: `${s.sim.url}/TheBloke/Demo-GGUF` })}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)![1]!;
    const dl = await b.request('POST', '/downloads', {
      _csrf: csrf,
      author: 'TheBloke',
      repo: 'Demo-GGUF',
      revision: 'main',
      sel: ['file:demo.Q4_K_M.gguf', 'file:README.md'],
    });
    assert.equal(dl.status, 303, dl.body);
    id = dl.location!.split('/').pop()!;
    const token = decodeURIComponent(b.cookies.get('d011dl_at')!);
    assert.equal((await waitForStatus(s.api.app, token, id, ['succeeded', 'failed'], 120_000)).status, 'succeeded');
  });
  after(async () => {
    await s?.close();
  });

  it('lists jobs as JSON with what each holds, without their logs, and filters them', async () => {
    const all = JSON.parse((await b.get('/api/jobs')).body) as { downloads: Row[] };
    const row = all.downloads.find((d) => d.id === id)!;
    assert.ok(row, JSON.stringify(all));
    assert.ok(['README + Q4_K_M', 'Q4_K_M + README'].includes(row.holds ?? ''), String(row.holds));
    assert.equal(row.log, undefined, 'the list polls every 2 s: no logs in it');
    const done = JSON.parse((await b.get('/api/jobs?show=done')).body) as { downloads: Row[] };
    assert.deepEqual(
      done.downloads.map((d) => d.id),
      [id],
    );
    assert.deepEqual((JSON.parse((await b.get('/api/jobs?show=running')).body) as { downloads: Row[] }).downloads, []);
    // the page shows the same, with the filter marked
    const page = await b.get('/jobs?show=failed');
    assert.match(page.body, /<a href="\/jobs\?show=failed" aria-current="page">Failed<\/a>/);
    assert.match(page.body, /No jobs here\./);
    assert.doesNotMatch(page.body, new RegExp(`data-id="${id}"`));
    const listed = await b.get('/jobs');
    assert.match(listed.body, new RegExp(`data-id="${id}" data-status="succeeded"`));
    assert.match(listed.body, /<a href="\/jobs" aria-current="page">Jobs<\/a>/, 'the nav marks the page');
    assert.equal((await new Browser(s.webUrl).get('/api/jobs')).status, 401);
  });

  it("relays the API's list events, which the jobs list and the strip follow", async () => {
    const ctl = new AbortController();
    const cookie = [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`${s.webUrl}/api/jobs-events`, { headers: { cookie, accept: 'text/event-stream' }, signal: ctl.signal });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    try {
      while (!/event: downloads\ndata: .*\n\n/.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } finally {
      ctl.abort();
      await reader.cancel().catch(() => {});
    }
    const data = JSON.parse(/event: downloads\ndata: (.*)\n\n/.exec(text)![1]!) as { downloads: Row[] };
    assert.equal(data.downloads.find((d) => d.id === id)?.status, 'succeeded');
    assert.equal((await new Browser(s.webUrl).get('/api/jobs-events')).status, 401);
  });

  it('leads an action back to the list it came from, and nowhere else', async () => {
    s.sim.faults.set({ bandwidthPerConn: 16 * 1024 }); // stays running while the actions go back and forth
    const home = await b.get(`/?${new URLSearchParams({ url: `${s.sim.url}/TheBloke/Demo-GGUF` })}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)![1]!;
    const dl = await b.request('POST', '/downloads', { _csrf: csrf, author: 'TheBloke', repo: 'Demo-GGUF', revision: 'main', sel: ['file:demo.Q8_0.gguf'] });
    const job = dl.location!.split('/').pop()!;
    // Pause and Resume in turn (each valid after the other), each sent back somewhere
    let action: 'cancel' | 'retry' = 'cancel';
    const back = async (to: string) => {
      const r = await b.request('POST', `/jobs/${job}/${action}`, { _csrf: csrf, back: to });
      assert.equal(r.status, 303, `${action}: ${r.body}`);
      action = action === 'cancel' ? 'retry' : 'cancel';
      return r.location;
    };
    assert.equal(await back('/jobs?show=running'), '/jobs?show=running');
    assert.equal(await back('/'), '/');
    for (const evil of ['https://evil.example/', '//evil.example/jobs', '/jobs?show=done&x=1', '/models']) assert.equal(await back(evil), `/jobs/${job}`, evil);
    s.sim.faults.reset();
    if (action === 'cancel') await back('');
  });
});
