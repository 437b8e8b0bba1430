// D011DL portal: the live job pages: a job's page, the jobs list and the dashboard's "running now"
// strip (kept apart from app.js, which holds the dashboard's tree). The words for a job (file
// states, what it holds, Pause/Resume/Retry) are the contract's, served by web/src/shared-assets.ts,
// so the page, the server's first render and the Android app say the same.
import { formatBytes, formatDuration, formatRetryIn, formatSpeed } from './shared/format.js';
import { averageSpeed, describeFiles, elapsedSeconds, fileState, formatWhen, jobAction, logTail, statusLabel } from './shared/jobs.js';

var FINAL = ['succeeded', 'failed', 'canceled'];
var $ = function (id) { return document.getElementById(id); };
var show = function (el, on) { if (el) el.hidden = !on; };
var isFinal = function (status) { return FINAL.indexOf(status) >= 0; };
var pctOf = function (d) { return d.status === 'succeeded' ? 100 : Math.min(100, Math.max(0, d.progress_pct || 0)); };

/** GET JSON from the portal; a lost session goes to the login page. */
function getJson(url) {
  return fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' }).then(function (r) {
    if (r.status === 401) { location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search); throw new Error('signed out'); }
    return r.json().then(function (body) { if (!r.ok) throw new Error(body.message || 'HTTP ' + r.status); return body; });
  });
}

/** A polite live region that is told only what changed (a screen reader then reads just that). */
function announcer(el) {
  return function (text) { if (el && text) { el.textContent = ''; setTimeout(function () { el.textContent = text; }, 50); } };
}

/** A path that a narrow screen wraps after a slash (as web/src/format.ts pathHtml renders it). */
function setPath(el, p) {
  var parts = p.split(/(?<=[\/\\])/);
  el.replaceChildren.apply(el, parts.flatMap(function (part, i) { return i < parts.length - 1 ? [part, document.createElement('wbr')] : [part]; }));
}

/** Draws a bar exactly: no transition, so what is shown is the state, not a moment of an animation. */
function drawBar(bar, pct) {
  if (!bar) return;
  bar.setAttribute('aria-valuenow', String(Math.floor(pct)));
  bar.firstElementChild.style.width = pct + '%';
}

// --- a job's page --------------------------------------------------------------------------------
function jobPage(job) {
  var id = job.dataset.id;
  var say = announcer($('job-announce'));
  var current = { status: job.dataset.status, started_at: job.dataset.started || null, finished_at: job.dataset.finished || null, bytes_done: 0 };
  var filesBytes = null; // what the files hold on disk, partials included

  var apply = function (d) {
    var before = job.dataset.status;
    current = d;
    job.dataset.status = d.status;
    var st = $('job-status');
    st.textContent = statusLabel(d.status);
    st.className = 'status badge s-' + d.status;
    if (before !== d.status) say('Download ' + statusLabel(d.status) + '.');
    var pct = pctOf(d);
    drawBar($('job-bar'), pct);
    // a failed or paused job keeps its partial files: count them rather than dropping to 0 B
    var done = filesBytes != null && d.status !== 'succeeded' ? Math.max(d.bytes_done, filesBytes) : d.bytes_done;
    $('job-bytes').textContent = formatBytes(done) + ' / ' + formatBytes(d.bytes_total) + ' (' + Math.floor(pct) + '%)';
    $('job-files').textContent = d.files_done + ' / ' + d.files_total + (d.files_failed ? ' (' + d.files_failed + ' failed)' : '');
    $('job-speed').textContent = d.status === 'running' ? formatSpeed(d.speed_bps) : formatSpeed(null);
    $('job-eta').textContent = d.status === 'running' ? formatDuration(d.eta_s) : formatDuration(null);
    times();
    var err = $('job-error');
    if (err.textContent !== (d.error || '')) err.textContent = d.error || '';
    show(err, !!d.error);
    var w = $('job-waiting');
    var wasWaiting = !!w.dataset.retryAt;
    w.dataset.retryAt = d.waiting ? d.waiting.retry_at : '';
    w.dataset.attempt = d.waiting ? String(d.waiting.attempt) : '';
    w.dataset.message = d.waiting ? d.waiting.message : '';
    renderWaiting(w);
    if (!wasWaiting && d.waiting) say(w.textContent);
    var nasPath = $('job-nas').querySelector('code');
    if (d.local_path && nasPath.textContent !== d.local_path) setPath(nasPath, d.local_path);
    show($('job-nas'), d.status === 'succeeded');
    show($('copy-path'), d.status === 'succeeded');
    var act = jobAction(d.status);
    ['pause', 'resume', 'retry'].forEach(function (a) { show($(a + '-form'), !!act && act.action === a); });
    if (typeof d.log === 'string') $('job-log').textContent = logTail(d.log) || 'Nothing logged yet.';
  };
  var times = function () {
    var now = Date.now();
    $('job-elapsed').textContent = formatDuration(elapsedSeconds(current, now));
    $('job-average').textContent = formatSpeed(averageSpeed(current, now));
    $('job-started').textContent = formatWhen(current.started_at);
    $('job-finished').textContent = formatWhen(current.finished_at);
  };
  // "waiting for the Hub — retrying in 40 s (attempt 7)": the countdown runs here, between updates
  var renderWaiting = function (w) {
    var at = Date.parse(w.dataset.retryAt || '');
    if (!at) { w.hidden = true; w.textContent = ''; return; }
    w.textContent = 'Waiting for the Hub — retrying ' + formatRetryIn(at) + ' (attempt ' + w.dataset.attempt + ')' +
      (w.dataset.message ? ': ' + w.dataset.message : '') + '. The download resumes by itself.';
    w.hidden = false;
  };
  setInterval(function () {
    var w = $('job-waiting');
    if (!w.hidden) renderWaiting(w);
    if (!isFinal(job.dataset.status)) times();
  }, 1000);

  // "Copy path": the clipboard API where the page may use it (HTTPS, localhost), else the older way
  // that also works on a plain-HTTP LAN address.
  $('copy-path').addEventListener('click', function () {
    var text = $('job-nas').querySelector('code').textContent;
    var done = function () { say('Path copied.'); $('copy-path').textContent = 'Copied'; setTimeout(function () { $('copy-path').textContent = 'Copy path'; }, 2000); };
    var fallback = function () {
      var range = document.createRange();
      range.selectNodeContents($('job-nas').querySelector('code'));
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      if (document.execCommand && document.execCommand('copy')) done();
      else say('Select the path and copy it.');
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  });

  // Per-file rows, updated in place (a row's focus and the reader's place survive an update).
  var fileList = $('job-file-list');
  var rows = new Map();
  Array.prototype.forEach.call(fileList.children, function (li) { rows.set(li.dataset.path, li); });
  var sizeText = function (f, state) {
    return state === 'done' || state === 'queued' || !f.bytes_done ? formatBytes(f.size_bytes) : formatBytes(f.bytes_done) + ' / ' + formatBytes(f.size_bytes);
  };
  var newRow = function (f) {
    var li = document.createElement('li');
    li.dataset.path = f.path;
    var badge = document.createElement('span');
    var code = document.createElement('code');
    code.className = 'path';
    setPath(code, f.path);
    var size = document.createElement('span');
    size.className = 'size';
    li.append(badge, ' ', code, ' ', size);
    return li;
  };
  var renderFiles = function (list) {
    var changed = false;
    var failed = [];
    var sum = 0;
    var order = list.map(function (f) {
      var li = rows.get(f.path);
      if (!li) { li = newRow(f); rows.set(f.path, li); changed = true; }
      var state = fileState(f, current);
      sum += f.bytes_done || 0;
      li.dataset.bytes = String(f.bytes_done || 0);
      var badge = li.firstElementChild;
      if (li.dataset.state !== state) {
        if (state === 'failed' && li.dataset.state) failed.push(f.path);
        li.dataset.state = state;
        badge.className = 'badge f-' + state;
        badge.textContent = state;
      }
      var size = li.querySelector('.size');
      var text = sizeText(f, state);
      if (size.textContent !== text) size.textContent = text;
      var err = li.querySelector('.error-inline');
      if (f.error && !err) { err = document.createElement('span'); err.className = 'error-inline'; li.append(' ', err); }
      if (err && err.textContent !== (f.error || '')) err.textContent = f.error || '';
      return li;
    });
    if (changed || fileList.children.length !== order.length) fileList.replaceChildren.apply(fileList, order);
    filesBytes = sum;
    var holds = $('job-holds');
    if (list.length && !holds.textContent) holds.textContent = describeFiles(list.map(function (f) { return f.path; }));
    $('job-files-summary').textContent = list.length + (list.length === 1 ? ' file' : ' files');
    if (failed.length) say(failed.length === 1 ? failed[0] + ' failed.' : failed.length + ' files failed.');
  };

  var refresh = function () {
    return Promise.all([getJson('/api/jobs/' + encodeURIComponent(id)), getJson('/api/jobs/' + encodeURIComponent(id) + '/files')])
      .then(function (both) { current = both[0]; renderFiles(both[1].files || []); apply(both[0]); });
  };
  // While it runs: the files and the log every 2 s; the numbers from the API's stream as they come.
  var poll = function () {
    refresh().catch(function () { /* again on the next round */ }).then(function () {
      if (!isFinal(job.dataset.status)) setTimeout(poll, 2000);
    });
  };
  if (!isFinal(job.dataset.status)) {
    setTimeout(poll, 1000);
    if (window.EventSource) {
      // EventSource reconnects by itself; after repeated failures the 2 s poll carries on alone
      var es = new EventSource('/api/jobs/' + encodeURIComponent(id) + '/stream');
      var failures = 0;
      var onEvent = function (e) {
        failures = 0;
        try { var p = JSON.parse(e.data); var d = Object.assign({}, current, p); apply(d); } catch (err) { /* a bad event */ }
      };
      es.addEventListener('progress', onEvent);
      es.addEventListener('end', function (e) { onEvent(e); es.close(); refresh().catch(function () {}); });
      es.onerror = function () { if (++failures >= 3) es.close(); };
    }
  } else {
    refresh().catch(function () {}); // local times, kept partials
  }
  times();
}

// --- the jobs list and the "running now" strip -----------------------------------------------------
function jobRow(d, list) {
  var li = document.createElement('li');
  li.className = 'jobrow';
  li.dataset.id = d.id;
  var name = document.createElement('div');
  name.className = 'jobrow-name';
  var a = document.createElement('a');
  a.href = '/jobs/' + d.id;
  var strong = document.createElement('strong');
  strong.textContent = d.author + '/' + d.repo;
  var rev = document.createElement('span');
  rev.className = 'rev';
  rev.textContent = '@ ' + d.revision;
  a.append(strong, ' ', rev);
  var holds = document.createElement('span');
  holds.className = 'holds';
  name.append(a, ' ', holds);
  var badge = document.createElement('span');
  var bar = document.createElement('div');
  bar.className = 'bar';
  bar.setAttribute('role', 'progressbar');
  bar.setAttribute('aria-label', 'Progress of ' + d.author + '/' + d.repo);
  bar.setAttribute('aria-valuemin', '0');
  bar.setAttribute('aria-valuemax', '100');
  var fill = document.createElement('div');
  fill.className = 'bar-fill';
  bar.append(fill);
  var nums = document.createElement('span');
  nums.className = 'nums muted';
  li.append(name, badge, bar, nums);
  var act = jobAction(d.status);
  if (act) {
    var form = document.createElement('form');
    form.method = 'post';
    form.action = '/jobs/' + d.id + '/' + act.api;
    form.className = 'inline';
    [[list.dataset.csrfField, list.dataset.csrf], ['back', list.dataset.back]].forEach(function (kv) {
      var input = document.createElement('input');
      input.type = 'hidden';
      input.name = kv[0];
      input.value = kv[1];
      form.append(input);
    });
    var button = document.createElement('button');
    button.type = 'submit';
    button.textContent = act.label;
    button.setAttribute('aria-label', act.label + ' ' + d.author + '/' + d.repo);
    form.append(button);
    li.append(form);
  }
  return li;
}

function updateRow(li, d) {
  li.dataset.status = d.status;
  li.querySelector('.holds').textContent = d.holds || '';
  var badge = li.children[1];
  badge.className = 'badge s-' + d.status;
  badge.textContent = statusLabel(d.status);
  var pct = pctOf(d);
  drawBar(li.querySelector('.bar'), pct);
  li.querySelector('.nums').textContent = formatBytes(d.bytes_done) + ' / ' + formatBytes(d.bytes_total) + ' · ' + Math.floor(pct) + '%' +
    (d.status === 'running' ? ' · ' + formatSpeed(d.speed_bps) + ' · ' + formatDuration(d.eta_s) + ' left' : '');
}

/** Keeps a list of jobs live: polls /api/jobs every 2 s (while the tab is seen), updates rows in place. */
function liveList(list, announceEl, onCount) {
  var say = announcer(announceEl);
  var url = '/api/jobs' + (list.dataset.show ? '?show=' + encodeURIComponent(list.dataset.show) : '');
  var render = function (downloads) {
    var before = new Map();
    Array.prototype.forEach.call(list.children, function (li) { before.set(li.dataset.id, li); });
    var news = [];
    var order = downloads.map(function (d) {
      var li = before.get(d.id);
      // a new status brings another action: the row is built again (a row that stays keeps focus)
      if (li && li.dataset.status !== d.status) {
        if (li.dataset.status) news.push(d.author + '/' + d.repo + ' ' + statusLabel(d.status));
        li = null;
      }
      if (!li) li = jobRow(d, list);
      updateRow(li, d);
      return li;
    });
    var same = order.length === list.children.length && order.every(function (li, i) { return list.children[i] === li; });
    if (!same) list.replaceChildren.apply(list, order);
    if (news.length) say(news.join('. ') + '.');
    if (onCount) onCount(downloads.length);
  };
  var tick = function () {
    if (document.hidden) return setTimeout(tick, 2000);
    getJson(url).then(function (body) { render(body.downloads || []); }).catch(function () { /* again next round */ })
      .then(function () { setTimeout(tick, 2000); });
  };
  tick();
}

var job = $('job');
if (job) jobPage(job);
var jobsList = $('jobs-list');
if (jobsList) liveList(jobsList, $('jobs-announce'), function (n) { show($('jobs-empty'), n === 0); });
var strip = $('running-strip');
if (strip) liveList($('running-list'), $('running-announce'), function (n) { show(strip, n > 0); });
