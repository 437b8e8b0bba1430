// D011DL portal: a job's page, kept live (the jobs list and the "running now" strip are
// public/joblist.js; app.js holds the dashboard's tree). The words for a job (file states, what it
// holds, Pause/Resume/Retry) are the contract's, served by web/src/shared-assets.ts, so the page,
// the server's first render and the Android app say the same.
import { formatBytes, formatDuration, formatRetryIn, formatSpeed } from './shared/format.js';
import { averageSpeed, describeBandwidth, describeFiles, elapsedSeconds, fileState, formatWhen, jobAction, logTail, statusLabel } from './shared/jobs.js';
import { copyPath } from './copy-path.js';
import { $, announcer, drawBar, getJson, isFinal, pctOf, setPath, show } from './live.js';

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
    st.className = `status badge s-${d.status}`;
    if (before !== d.status) say(`Download ${statusLabel(d.status)}.`);
    var pct = pctOf(d);
    drawBar($('job-bar'), pct);
    // a failed or paused job keeps its partial files: count them rather than dropping to 0 B
    var done = filesBytes != null && d.status !== 'succeeded' ? Math.max(d.bytes_done, filesBytes) : d.bytes_done;
    $('job-bytes').textContent = `${formatBytes(done)} / ${formatBytes(d.bytes_total)} (${Math.floor(pct)}%)`;
    $('job-files').textContent = `${d.files_done} / ${d.files_total}${d.files_failed ? ` (${d.files_failed} failed)` : ''}`;
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
    ['pause', 'resume', 'retry'].forEach(function (a) {
      show($(`${a}-form`), !!act && act.action === a);
    });
    if (typeof d.log === 'string') $('job-log').textContent = logTail(d.log) || 'Nothing logged yet.';
  };
  var times = function () {
    var now = Date.now();
    $('job-elapsed').textContent = formatDuration(elapsedSeconds(current, now));
    $('job-average').textContent = formatSpeed(averageSpeed(current, now));
    $('job-started').textContent = formatWhen(current.started_at);
    $('job-finished').textContent = formatWhen(current.finished_at);
    $('job-finished-label').textContent = current.status === 'canceled' ? 'Paused' : 'Finished';
  };
  // "waiting for the Hub — retrying in 40 s (attempt 7)": the countdown runs here, between updates
  var renderWaiting = function (w) {
    var at = Date.parse(w.dataset.retryAt || '');
    if (!at) {
      w.hidden = true;
      w.textContent = '';
      return;
    }
    w.textContent =
      'Waiting for the Hub — retrying ' +
      formatRetryIn(at) +
      ' (attempt ' +
      w.dataset.attempt +
      ')' +
      (w.dataset.message ? `: ${w.dataset.message}` : '') +
      '. The download resumes by itself.';
    w.hidden = false;
  };
  setInterval(function () {
    var w = $('job-waiting');
    if (!w.hidden) renderWaiting(w);
    if (!isFinal(job.dataset.status)) times();
  }, 1000);

  // "Copy path" (public/copy-path.js); where only selecting was possible, the older copy command is tried
  $('copy-path').addEventListener('click', function () {
    copyPath($('job-nas').querySelector('code')).then(function (how) {
      if (how === 'copied' || document.execCommand?.('copy')) {
        say('Path copied.');
        $('copy-path').textContent = 'Copied';
        setTimeout(function () {
          $('copy-path').textContent = 'Copy path';
        }, 2000);
      } else say('Select the path and copy it.');
    });
  });

  // Per-file rows, updated in place (a row's focus and the reader's place survive an update).
  var fileList = $('job-file-list');
  var rows = new Map();
  Array.prototype.forEach.call(fileList.children, function (li) {
    rows.set(li.dataset.path, li);
  });
  var sizeText = function (f, state) {
    return state === 'done' || state === 'queued' || !f.bytes_done ? formatBytes(f.size_bytes) : `${formatBytes(f.bytes_done)} / ${formatBytes(f.size_bytes)}`;
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
      if (!li) {
        li = newRow(f);
        rows.set(f.path, li);
        changed = true;
      }
      var state = fileState(f, current);
      sum += f.bytes_done || 0;
      li.dataset.bytes = String(f.bytes_done || 0);
      var badge = li.firstElementChild;
      if (li.dataset.state !== state) {
        if (state === 'failed' && li.dataset.state) failed.push(f.path);
        li.dataset.state = state;
        badge.className = `badge f-${state}`;
        badge.textContent = state;
      }
      var size = li.querySelector('.size');
      var text = sizeText(f, state);
      if (size.textContent !== text) size.textContent = text;
      var err = li.querySelector('.error-inline');
      if (f.error && !err) {
        err = document.createElement('span');
        err.className = 'error-inline';
        li.append(' ', err);
      }
      if (err && err.textContent !== (f.error || '')) err.textContent = f.error || '';
      return li;
    });
    if (changed || fileList.children.length !== order.length) fileList.replaceChildren.apply(fileList, order);
    filesBytes = sum;
    var holds = $('job-holds');
    if (list.length && !holds.textContent)
      holds.textContent = describeFiles(
        list.map(function (f) {
          return f.path;
        }),
      );
    $('job-files-summary').textContent = list.length + (list.length === 1 ? ' file' : ' files');
    if (failed.length) say(failed.length === 1 ? `${failed[0]} failed.` : `${failed.length} files failed.`);
  };

  // "Downloads limited to 20 MB/s until 00:00": shown while the job is queued or running
  var renderBandwidth = function (b) {
    var text = b ? describeBandwidth(b, formatSpeed) : null;
    var p = $('job-bandwidth');
    if (text && p.textContent !== text) p.textContent = text;
    show(p, !!text && !isFinal(job.dataset.status));
  };
  var refresh = function () {
    var bandwidth = getJson('/api/bandwidth').catch(function () {
      return null;
    });
    return Promise.all([getJson(`/api/jobs/${encodeURIComponent(id)}`), getJson(`/api/jobs/${encodeURIComponent(id)}/files`), bandwidth]).then(function (all) {
      current = all[0];
      renderFiles(all[1].files || []);
      apply(all[0]);
      renderBandwidth(all[2]);
    });
  };
  // While it runs: the files and the log every 2 s; the numbers from the API's stream as they come.
  var poll = function () {
    refresh()
      .catch(function () {
        /* again on the next round */
      })
      .then(function () {
        if (!isFinal(job.dataset.status)) setTimeout(poll, 2000);
      });
  };
  if (!isFinal(job.dataset.status)) {
    setTimeout(poll, 1000);
    if (window.EventSource) {
      // EventSource reconnects by itself; after repeated failures the 2 s poll carries on alone
      var es = new EventSource(`/api/jobs/${encodeURIComponent(id)}/stream`);
      var failures = 0;
      var onEvent = function (e) {
        failures = 0;
        try {
          var p = JSON.parse(e.data);
          var d = Object.assign({}, current, p);
          apply(d);
        } catch (_err) {
          /* a bad event */
        }
      };
      es.addEventListener('progress', onEvent);
      es.addEventListener('end', function (e) {
        onEvent(e);
        es.close();
        refresh().catch(function () {});
      });
      es.onerror = function () {
        if (++failures >= 3) es.close();
      };
    }
  } else {
    refresh().catch(function () {}); // local times, kept partials
  }
  times();
}

var job = $('job');
if (job) jobPage(job);
