// D011DL portal: the jobs list and the dashboard's "running now" strip, kept live: the portal's
// /api/jobs is fetched whenever the API's events say a job changed (every 2 s without events); rows are
// updated in place. The words are the contract's (contract/src/jobs.ts).
import { formatBytes, formatDuration, formatSpeed } from './shared/format.js';
import { jobAction, jobKindLabel, statusLabel } from './shared/jobs.js';
import { $, announcer, drawBar, getJson, pctOf, show } from './live.js';

function jobRow(d, list) {
  var li = document.createElement('li');
  li.className = 'jobrow';
  li.dataset.id = d.id;
  var name = document.createElement('div');
  name.className = 'jobrow-name';
  var a = document.createElement('a');
  a.href = `/jobs/${d.id}`;
  var strong = document.createElement('strong');
  strong.textContent = `${d.author}/${d.repo}`;
  var rev = document.createElement('span');
  rev.className = 'rev';
  rev.textContent = `@ ${d.revision}`;
  a.append(strong, ' ', rev);
  var holds = document.createElement('span');
  holds.className = 'holds';
  name.append(a, ' ');
  var kind = jobKindLabel(d);
  if (kind) {
    var kindBadge = document.createElement('span');
    kindBadge.className = 'badge kind';
    kindBadge.textContent = kind;
    name.append(kindBadge, ' ');
  }
  name.append(holds);
  var badge = document.createElement('span');
  var bar = document.createElement('div');
  bar.className = 'bar';
  bar.setAttribute('role', 'progressbar');
  bar.setAttribute('aria-label', `Progress of ${d.author}/${d.repo}`);
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
    form.action = `/jobs/${d.id}/${act.api}`;
    form.className = 'inline';
    [
      [list.dataset.csrfField, list.dataset.csrf],
      ['back', list.dataset.back],
    ].forEach(function (kv) {
      var input = document.createElement('input');
      input.type = 'hidden';
      input.name = kv[0];
      input.value = kv[1];
      form.append(input);
    });
    var button = document.createElement('button');
    button.type = 'submit';
    button.textContent = act.label;
    button.setAttribute('aria-label', `${act.label} ${d.author}/${d.repo}`);
    form.append(button);
    li.append(form);
  }
  return li;
}

function updateRow(li, d) {
  li.dataset.status = d.status;
  li.querySelector('.holds').textContent = d.holds || '';
  var badge = li.children[1];
  badge.className = `badge s-${d.status}`;
  badge.textContent = statusLabel(d.status);
  var pct = pctOf(d);
  drawBar(li.querySelector('.bar'), pct);
  li.querySelector('.nums').textContent =
    formatBytes(d.bytes_done) +
    ' / ' +
    formatBytes(d.bytes_total) +
    ' · ' +
    Math.floor(pct) +
    '%' +
    (d.status === 'running' ? ` · ${formatSpeed(d.speed_bps)} · ${formatDuration(d.eta_s)} left` : '');
}

/** Keeps a list of jobs live: fetches /api/jobs on each change event (else every 2 s), updates rows in place. */
function liveList(list, announceEl, onCount, idleMs) {
  var every = 2000;
  var say = announcer(announceEl);
  var url = `/api/jobs${list.dataset.show ? `?show=${encodeURIComponent(list.dataset.show)}` : ''}`;
  var render = function (downloads) {
    var before = new Map();
    Array.prototype.forEach.call(list.children, function (li) {
      before.set(li.dataset.id, li);
    });
    var news = [];
    var order = downloads.map(function (d) {
      var li = before.get(d.id);
      // a new status brings another action: the row is built again (a row that stays keeps focus)
      if (li && li.dataset.status !== d.status) {
        if (li.dataset.status) news.push(`${d.author}/${d.repo} ${statusLabel(d.status)}`);
        li = null;
      }
      if (!li) li = jobRow(d, list);
      updateRow(li, d);
      return li;
    });
    // a row that leaves a filtered list (the strip: a job that stopped running) is said once too
    var kept = new Set(
      downloads.map(function (d) {
        return d.id;
      }),
    );
    before.forEach(function (li, id) {
      if (!kept.has(id)) news.push(`${li.querySelector('strong').textContent} ${list.dataset.show === 'running' ? 'stopped running' : 'left this list'}`);
    });
    var same =
      order.length === list.children.length &&
      order.every(function (li, i) {
        return list.children[i] === li;
      });
    if (!same) list.replaceChildren.apply(list, order);
    if (news.length) say(`${news.join('. ')}.`);
    if (onCount) onCount(downloads.length);
    // polling only (no events): the dashboard's strip, with nothing running, asks less often
    every = downloads.length === 0 && idleMs ? idleMs : 2000;
  };
  // One fetch at a time; a change announced meanwhile fetches once more after it.
  var busy = false;
  var again = false;
  var refresh = function () {
    if (busy) {
      again = true;
      return Promise.resolve();
    }
    busy = true;
    return getJson(url)
      .then(function (body) {
        render(body.downloads || []);
      })
      .catch(function () {
        /* the next event or round tries again */
      })
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          return refresh();
        }
      });
  };
  // Live: the API's events (relayed at /api/jobs-events) say when any of my downloads changed; the
  // list is then fetched with what each job holds. Without EventSource, or once it gives up, it polls.
  var poll = function () {
    if (document.hidden) return setTimeout(poll, 2000);
    refresh().then(function () {
      setTimeout(poll, every);
    });
  };
  if (typeof EventSource === 'function') {
    var events = new EventSource('/api/jobs-events');
    events.addEventListener('downloads', function () {
      refresh();
    });
    events.addEventListener('error', function () {
      if (events.readyState === EventSource.CLOSED) poll();
    });
  } else {
    poll();
  }
}

var jobsList = $('jobs-list');
if (jobsList)
  liveList(jobsList, $('jobs-announce'), function (n) {
    show($('jobs-empty'), n === 0);
  });
var strip = $('running-strip');
if (strip)
  liveList(
    $('running-list'),
    $('running-announce'),
    function (n) {
      show(strip, n > 0);
    },
    5000,
  );
