// D011DL portal: small progressive enhancements. Every page works without it, except live progress.
// Sizes, durations and the file filter come from the contract (served by web/src/shared-assets.ts),
// so they read and match as on the server and in the Android app.
import { formatBytes as humanBytes, formatDuration as humanDuration, formatRetryIn, formatSpeed } from './shared/format.js';
import { globFilter } from './shared/glob.js';

(function () {
  'use strict';
  // Revision picker: choosing (arrow keys included) only marks "Show" as the next step; the page
  // changes when it is pressed (WCAG 3.2.2, no change of context on input).
  var rev = document.getElementById('revision');
  var revShow = document.getElementById('rev-show');
  if (rev && revShow) {
    var shown = rev.value;
    rev.addEventListener('change', function () { revShow.classList.toggle('primary', rev.value !== shown); });
  }

  // File tree: folder checkboxes cover everything under them; "Select all"; selected size.
  var tree = document.getElementById('tree');
  var all = document.getElementById('select-all');
  var summary = document.getElementById('selected-summary');
  if (tree) {
    var boxes = Array.prototype.slice.call(tree.querySelectorAll('input[type=checkbox][data-path]'));
    var files = boxes.filter(function (b) { return !b.dataset.dir; });
    var dirs = boxes.filter(function (b) { return b.dataset.dir; });
    // Each box's folder boxes, found once: the selection and the filter then cost one pass over the
    // files, not one per folder (a quantised repo has hundreds of folders and thousands of files).
    var dirByPath = {};
    dirs.forEach(function (d) { dirByPath[d.dataset.path] = d; });
    var ancestors = function (b) {
      var out = [], p = b.dataset.path, i;
      while ((i = p.lastIndexOf('/')) > 0) { p = p.slice(0, i); if (dirByPath[p]) out.push(dirByPath[p]); }
      return out;
    };
    var parentsOf = new Map();
    boxes.forEach(function (b) { parentsOf.set(b, ancestors(b)); });
    var under = function (d) {
      return boxes.filter(function (b) { return parentsOf.get(b).indexOf(d) >= 0; });
    };
    var refresh = function () {
      // folders reflect their files: checked when all are, indeterminate when some are
      var total = new Map(), checked = new Map();
      var bytes = 0, chosen = 0;
      files.forEach(function (f) {
        if (f.checked) { chosen++; bytes += Number(f.dataset.size || 0); }
        parentsOf.get(f).forEach(function (d) {
          total.set(d, (total.get(d) || 0) + 1);
          if (f.checked) checked.set(d, (checked.get(d) || 0) + 1);
        });
      });
      dirs.forEach(function (d) {
        var n = checked.get(d) || 0, of = total.get(d) || 0;
        d.checked = of > 0 && n === of;
        d.indeterminate = n > 0 && n < of;
      });
      if (all) { all.checked = chosen === files.length && files.length > 0; all.indeterminate = chosen > 0 && chosen < files.length; }
      if (summary) {
        var free = summary.dataset.free ? Number(summary.dataset.free) : null;
        var text = chosen ? chosen + ' file' + (chosen === 1 ? '' : 's') + ' selected · ' + humanBytes(bytes) : 'Nothing selected';
        if (free != null) text += ' · ' + humanBytes(free) + ' free on the storage';
        summary.textContent = text;
        summary.classList.toggle('error-inline', free != null && bytes > free);
      }
    };

    // Filter by globs (comma-separated; * any characters, ? one): contract/src/glob.ts.
    var filter = document.getElementById('filter');
    var filterRow = document.getElementById('filter-row');
    var globs = function () { return globFilter(filter.value); };
    var matches = function (b, test) { return !test || test(b.dataset.path); };
    var applyFilter = function () {
      var res = globs();
      var hit = new Set();
      files.forEach(function (b) {
        var ok = matches(b, res);
        b.closest('li').classList.toggle('nomatch', !ok);
        if (ok) parentsOf.get(b).forEach(function (d) { hit.add(d); });
      });
      dirs.forEach(function (d) {
        d.closest('li').classList.toggle('nomatch', !hit.has(d));
        // unfold the folders that hold matches, so they can be seen (and only while filtering)
        if (res && hit.has(d)) d.closest('details').open = true;
      });
    };
    if (filter && filterRow) {
      filterRow.hidden = false;
      filter.addEventListener('input', applyFilter);
      filter.addEventListener('keydown', function (e) { if (e.key === 'Enter') e.preventDefault(); });
      document.getElementById('select-matching').addEventListener('click', function () {
        var res = globs();
        files.forEach(function (b) { if (matches(b, res)) b.checked = true; });
        refresh();
      });
    }
    tree.addEventListener('change', function (e) {
      var t = e.target;
      if (t && t.dataset && t.dataset.dir) under(t).forEach(function (b) { b.checked = t.checked; });
      refresh();
    });
    if (all) all.addEventListener('change', function () { boxes.forEach(function (b) { b.checked = all.checked; }); refresh(); });
    // A checked folder stands for everything under it: its files and subfolders are left out of the
    // form (disabled fields are not sent), so a whole big repo is a few fields, well within the
    // portal's limit of 20,000 (web/src/format.ts SELECTION_MAX).
    var form = document.getElementById('download-form');
    if (form) {
      form.addEventListener('submit', function () {
        boxes.forEach(function (b) { b.disabled = parentsOf.get(b).some(function (d) { return d.checked; }); });
      });
      // back from the job page (the page may come from the back-forward cache): usable again
      window.addEventListener('pageshow', function () { boxes.forEach(function (b) { b.disabled = false; }); });
    }
    refresh();

    // A link to a file or folder (/blob/, /resolve/, /tree/<rev>/<dir>): that entry is selected, its
    // folders unfolded, and it is scrolled into view.
    var linkPath = form && form.dataset.linkPath;
    if (linkPath) {
      var linked = boxes.filter(function (b) { return b.dataset.path === linkPath; })[0];
      if (linked) {
        linked.checked = true;
        if (linked.dataset.dir) under(linked).forEach(function (b) { b.checked = true; });
        for (var el = linked.parentElement; el && el !== tree; el = el.parentElement) if (el.tagName === 'DETAILS') el.open = true;
        var row = linked.closest('li');
        row.classList.add('linked');
        refresh();
        (linked.dataset.dir ? linked.closest('summary') : row).scrollIntoView({ block: 'center' });
      } else {
        var missing = document.getElementById('link-missing');
        if (missing) missing.hidden = false;
      }
    }
  }

  // Job page: poll the portal once a second until the job has finished.
  var job = document.getElementById('job');
  if (job) {
    var id = job.dataset.id;
    var final = ['succeeded', 'failed', 'canceled'];
    var $ = function (x) { return document.getElementById(x); };
    var show = function (el, on) { if (el) el.hidden = !on; };
    var apply = function (d) {
      job.dataset.status = d.status;
      var st = $('job-status');
      st.textContent = d.status;
      st.className = 'status badge s-' + d.status;
      var bar = $('job-bar');
      bar.max = Math.max(d.bytes_total, 1);
      bar.value = d.bytes_done;
      $('job-bytes').textContent = humanBytes(d.bytes_done) + ' / ' + humanBytes(d.bytes_total) + ' (' + Math.floor(d.progress_pct) + '%)';
      $('job-files').textContent = d.files_done + ' / ' + d.files_total + (d.files_failed ? ' (' + d.files_failed + ' failed)' : '');
      $('job-speed').textContent = formatSpeed(d.speed_bps);
      $('job-eta').textContent = humanDuration(d.eta_s);
      var err = $('job-error');
      err.textContent = d.error || '';
      show(err, !!d.error);
      var w = $('job-waiting');
      if (w) {
        w.dataset.retryAt = d.waiting ? d.waiting.retry_at : '';
        w.dataset.attempt = d.waiting ? String(d.waiting.attempt) : '';
        w.dataset.message = d.waiting ? d.waiting.message : '';
        renderWaiting(w);
      }
      var nas = $('job-nas');
      if (d.local_path) nas.querySelector('code').textContent = d.local_path;
      show(nas, d.status === 'succeeded');
      show($('cancel-form'), d.status === 'queued' || d.status === 'running');
      show($('retry-form'), d.status === 'failed' || d.status === 'canceled');
    };
    // "waiting for the Hub — retrying in 40 s (attempt 7)": the countdown runs here, between updates
    var renderWaiting = function (w) {
      var at = Date.parse(w.dataset.retryAt || '');
      if (!at) { w.hidden = true; w.textContent = ''; return; }
      w.textContent = 'Waiting for the Hub — retrying ' + formatRetryIn(at) + ' (attempt ' + w.dataset.attempt + ')' +
        (w.dataset.message ? ': ' + w.dataset.message : '') + '. The download resumes by itself.';
      w.hidden = false;
    };
    setInterval(function () { var w = $('job-waiting'); if (w && !w.hidden) renderWaiting(w); }, 1000);
    var tick = function () {
      fetch('/api/jobs/' + encodeURIComponent(id), { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) {
          if (r.status === 401) { location.href = '/login?next=' + encodeURIComponent(location.pathname); throw new Error('signed out'); }
          return r.json().then(function (body) { if (!r.ok) throw new Error(body.message || 'HTTP ' + r.status); return body; });
        })
        .then(function (d) {
          apply(d);
          if (final.indexOf(d.status) < 0) setTimeout(tick, 1000);
          else finished();
        })
        .catch(function () { setTimeout(tick, 3000); });
    };
    // Per-file states: refreshed every few seconds while the job runs.
    var fileList = $('job-file-list');
    var fileSummary = $('job-files-summary');
    var renderFiles = function (list) {
      if (!fileList) return;
      var items = list.map(function (f) {
        var li = document.createElement('li');
        li.dataset.path = f.path;
        var badge = document.createElement('span');
        badge.className = 'badge f-' + f.status;
        badge.textContent = f.status;
        var code = document.createElement('code');
        code.textContent = f.path;
        var size = document.createElement('span');
        size.className = 'size';
        size.textContent = f.status === 'downloading' && f.bytes_done ? humanBytes(f.bytes_done) + ' / ' + humanBytes(f.size_bytes) : humanBytes(f.size_bytes);
        li.append(badge, ' ', code, ' ', size);
        if (f.error) {
          var e = document.createElement('span');
          e.className = 'error-inline';
          e.textContent = f.error;
          li.append(' ', e);
        }
        return li;
      });
      fileList.replaceChildren.apply(fileList, items);
      if (fileSummary) fileSummary.textContent = list.length + (list.length === 1 ? ' file' : ' files');
    };
    var loadFiles = function (again) {
      fetch('/api/jobs/' + encodeURIComponent(id) + '/files', { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
        .then(function (body) { renderFiles(body.files || []); })
        .catch(function () { /* try again on the next round */ })
        .then(function () { if (again && final.indexOf(job.dataset.status) < 0) setTimeout(pollFiles, 3000); });
    };
    var pollFiles = function () { loadFiles(true); };
    var finished = function () { loadFiles(false); }; // the final per-file states
    if (final.indexOf(job.dataset.status) < 0) {
      setTimeout(pollFiles, 1500);
      if (window.EventSource) {
        // Live progress relayed from the API; EventSource reconnects by itself. After repeated
        // failures fall back to polling once a second.
        var es = new EventSource('/api/jobs/' + encodeURIComponent(id) + '/stream');
        var failures = 0;
        var onEvent = function (e) { failures = 0; try { apply(JSON.parse(e.data)); } catch (err) { /* ignore a bad event */ } };
        es.addEventListener('progress', onEvent);
        es.addEventListener('end', function (e) { onEvent(e); es.close(); setTimeout(finished, 300); });
        es.onerror = function () { if (++failures >= 3) { es.close(); setTimeout(tick, 1000); } };
      } else {
        setTimeout(tick, 1000);
      }
    }
  }
})();
